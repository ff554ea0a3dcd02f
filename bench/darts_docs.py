"""Rewrites the DARTS section of docs/benchmarks.md from bench/results/darts.json.

    python -m bench.darts --docs

The section is generated from the result file the benchmark writes, so the figures in the docs
cannot drift from the run that produced them.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).parent.parent / "docs" / "benchmarks.md"
RESULTS = Path(__file__).parent / "results" / "darts.json"
HEADING = "## DARTS — `python -m bench.darts`"


def render(payload: dict) -> str:
    m, a, r, runs = payload["machine"], payload["args"], payload["result"], payload["runs"]
    api = r["mode"] == "api"
    per_seed = []
    for s in range(r["seeds"]):

        def accs(kind: str, s: int = s) -> str:
            return "/".join(f"{x['test_accuracy']:.3f}" for x in runs if x["kind"] == kind and x["seed_group"] == s)

        per_seed.append(f"seed {s}: {accs('searched')} vs {accs('random')} (conv-only {accs('random_conv')})")
    cells = f"{a['random_cells']} random cell{'' if a['random_cells'] == 1 else 's'}"
    wins = [
        f"{name} {'better' if better else '**not better**'} ({r['darts_' + key]:.4f} vs {r['random_conv_' + key]:.4f})"
        for name, key, better in (
            ("accuracy", "accuracy", r["darts_accuracy"] > r["random_conv_accuracy"]),
            ("loss", "loss", r["darts_loss"] < r["random_conv_loss"]),
        )
    ]
    vs_conv = "searched " + ", ".join(wins)
    met = r["darts_accuracy"] > r["random_accuracy"] and r["darts_loss"] < r["random_loss"]
    how = (
        "every cell a `JOB_METHOD_DARTS` job created over gRPC against a gateway on embedded defaults "
        "(embedded Redis, local Ray with 2 CPUs, two jobs at a time, one torch thread each); searched cells "
        "are `genotype_source: SEARCHED` jobs with seed s, random ones `genotype_source: RANDOM` jobs with "
        "seeds 100k + s (the cell and the weights drawn from the job's seed); figures read back from the "
        "jobs' metrics (test_accuracy, test_loss, parameter_count) and genotype.json artifacts"
        if api
        else "in-process, calling the trainer functions (kiln_trainer/algorithms/darts/standalone.py)"
    )
    return f"""{HEADING}

Written from `bench/results/darts.json` (`python -m bench.darts --docs` rewrites this section).
First-order DARTS over a {a.get("cell_nodes", 3)}-node cell (7 candidate operations) on the built-in
digits, {r["seeds"]} seeds, {how}. Per seed: the searched cell ({a["search_steps"]} search steps, then
discretised), {cells} of the same size (same nodes and edge count, random inputs and
non-zero operations) and {cells} of the same size drawn from the
convolutions only (about the searched cell's parameter count), each retrained from scratch for
{a["retrain_steps"]} steps ({a["channels"]} channels, {a["layers"]} cells, batch 64); held-out (digits'
test split, which no job trains on) accuracy and loss, means over the seeds.

| cell | held-out accuracy | held-out loss | parameters |
|---|---|---|---|
| searched (DARTS) | **{r["darts_accuracy"]:.4f}** | {r["darts_loss"]:.4f} | {r["darts_params"]} |
| random, same size | {r["random_accuracy"]:.4f} | {r["random_loss"]:.4f} | {r["random_params"]} |
| random, same size, convolutions only | {r["random_conv_accuracy"]:.4f} | {r["random_conv_loss"]:.4f} \
| {r["random_conv_params"]} |

Acceptance (searched beats random cells of the same size on mean held-out accuracy and loss):
**{"met" if met else "missed"}**. Against the convolution-only random cells (about the searched
cells' parameter count): {vs_conv}. Per seed, held-out accuracy, searched vs random: {"; ".join(per_seed)}.

```
{json.dumps(r)}
```

Machine: {m["cpu"]}, {m["cpus"]} CPUs, torch {m["torch"]}, commit {m["commit"]}; load average
{m["load_avg"]:.1f} at the start and {m["load_avg_end"]:.1f} at the end (a shared machine: other
work ran alongside), {m["wall_s"]:.0f} s in all.
"""


def write_docs(payload: dict | None = None) -> None:
    payload = payload or json.loads(RESULTS.read_text())
    text = DOCS.read_text()
    start = text.index(HEADING)
    # The section ends at the next heading, or at the sweeps section's "Known weak" notes that
    # an earlier edit left below it (they are not this section's to rewrite).
    ends = [i + 1 for i in (text.find("\n## ", start + 1), text.find("\nKnown weak, read with", start)) if i >= 0]
    end = min(ends, default=len(text))
    DOCS.write_text(text[:start] + render(payload) + ("\n" + text[end:] if end < len(text) else ""))
