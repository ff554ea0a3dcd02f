"""DARTS on the built-in digits: the searched cell against random cells of the same shape.

    python -m bench.darts [--seeds 3] [--random-cells 2] [--search-steps 200] [--retrain-steps 200]

For each seed: first-order DARTS searches the cell (kiln_trainer/algorithms/darts.py: weights on
one half of the training split, architecture weights on the other), the discretised cell is
retrained from scratch on the whole training split, and `--random-cells` random cells of the same
shape (same nodes, same number of edges, random inputs and non-zero operations) are retrained the
same way with the same seed, and as many random cells drawn from the convolutions only (about the
searched cell's parameter count: DARTS mostly keeps convolutions, so "same shape" alone would
compare against smaller networks); held-out accuracy and loss are read on digits' test split. The
acceptance: the searched cell's mean held-out accuracy over the seeds beats the random cells'.
One torch thread. Last line, one JSON object: {"darts_accuracy", "random_accuracy",
"random_conv_accuracy", the same three for loss and for parameters, "seeds"}; also written to
bench/results/darts.json with the machine and every cell.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from bench.machine import machine
from kiln_trainer.algorithms.darts import PARAMETRIC, DartsSettings, random_genotype, retrain, search

RESULTS = Path(__file__).parent / "results" / "darts.json"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--random-cells", type=int, default=2, help="random cells per seed")
    parser.add_argument("--search-steps", type=int, default=200)
    parser.add_argument("--retrain-steps", type=int, default=200)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    info = machine(threads=1)
    print(json.dumps({"machine": info}), flush=True)
    rows: list[dict[str, Any]] = []
    for seed in range(args.seeds):
        s = DartsSettings(
            channels=args.channels,
            layers=args.layers,
            search_steps=args.search_steps,
            retrain_steps=args.retrain_steps,
            seed=seed,
        )
        started = time.perf_counter()
        genotype, alpha = search(s)
        searched = retrain(s, genotype)
        rng = random.Random(1000 + seed)
        randoms: list[dict[str, Any]] = []
        convs: list[dict[str, Any]] = []
        for _ in range(args.random_cells):
            g = random_genotype(rng)
            randoms.append({"genotype": g, **retrain(s, g)})
            g = random_genotype(rng, PARAMETRIC)
            convs.append({"genotype": g, **retrain(s, g)})
        row = {"seed": seed, "genotype": genotype, "alpha": alpha, **searched, "random": randoms, "random_conv": convs}
        rows.append(row)
        print(
            f"seed {seed}: searched {searched['test_accuracy']:.4f} ({genotype}); random "
            f"{[round(r['test_accuracy'], 4) for r in randoms]}; random conv-only "
            f"{[round(r['test_accuracy'], 4) for r in convs]} ({time.perf_counter() - started:.0f}s)",
            flush=True,
        )

    def mean(key: str, cells: str = "") -> float:
        if cells:
            return statistics.mean(statistics.mean(r[key] for r in row[cells]) for row in rows)
        return statistics.mean(row[key] for row in rows)

    result = {
        "darts_accuracy": round(mean("test_accuracy"), 4),
        "random_accuracy": round(mean("test_accuracy", "random"), 4),
        "random_conv_accuracy": round(mean("test_accuracy", "random_conv"), 4),
        "darts_loss": round(mean("test_loss"), 4),
        "random_loss": round(mean("test_loss", "random"), 4),
        "random_conv_loss": round(mean("test_loss", "random_conv"), 4),
        "darts_params": round(mean("parameter_count")),
        "random_params": round(mean("parameter_count", "random")),
        "random_conv_params": round(mean("parameter_count", "random_conv")),
        "seeds": args.seeds,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "args": vars(args), "result": result, "runs": rows}, indent=1))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
