"""SFT sharded with FSDP (torch's fully_shard) over two gloo processes on the CPU: it holds half
the parameters per rank, follows DDP's loss trajectory, and checkpoints/resumes like DDP."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.data.demo import demo_sft_records, write_jsonl
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.training.sharding import block_lists

REPO = Path(__file__).resolve().parents[5]

# One pair of processes does everything (each torch import costs seconds): DDP and FSDP runs
# of the same job, an FSDP run cancelled after its checkpoint and resumed from it, and the
# per-rank parameter count of a sharded model.
WORKER = textwrap.dedent("""
    import json, sys
    import torch, torch.distributed as dist
    from kiln_trainer.algorithms.sft import SFTConfig, train
    from kiln_trainer.context import LocalContext
    from kiln_trainer.errors import TrainingCancelled
    from kiln_trainer.models.loader import load_causal_lm
    from kiln_trainer.training import sharding

    rank, port, out, cfg = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    report = {}

    model = load_causal_lm("kiln-gpt-tiny").model
    report["units"] = sharding.shard(model)
    report["local"], report["full"] = sharding.local_numel(model)

    def losses(ctx):
        return [[s, m["loss"], m["grad_norm"]] for s, m in ctx.metrics if "loss" in m]

    for mode in ("ddp", "fsdp"):
        ctx = LocalContext(f"{out}/{mode}{rank}")
        result = train(SFTConfig(**cfg, sharding=mode), ctx)
        report[mode] = {"model_dir": str(result.model_dir), "metrics": result.metrics,
                        "losses": losses(ctx), "logs": ctx.logs}

    first = LocalContext(f"{out}/first{rank}", stop_after_step=4)
    try:
        train(SFTConfig(**cfg, sharding="fsdp"), first)
    except TrainingCancelled as e:
        report["cancelled"] = e.step
    second = LocalContext(f"{out}/second{rank}")
    second.checkpoints[3] = __import__("pathlib").Path(f"{out}/first0/_checkpoints/step-00000003")
    resumed = train(SFTConfig(**cfg, sharding="fsdp"), second)
    report["resumed"] = {"model_dir": str(resumed.model_dir), "metrics": resumed.metrics, "logs": second.logs}
    json.dump(report, open(f"{out}/rank{rank}.json", "w"))
    dist.destroy_process_group()
""")


@pytest.mark.slow  # two processes, each importing torch
def test_fsdp_shards_matches_ddp_and_resumes(tmp_path):
    data = tmp_path / "demo.jsonl"
    write_jsonl(demo_sft_records(120, seed=3), data)
    cfg = dict(
        base_model="kiln-gpt-tiny",
        train_path=str(data),
        batch_size=2,
        max_seq_len=48,
        learning_rate=3e-3,
        warmup_steps=1,
        log_every=1,
        eval_every=3,
        max_steps=6,
        checkpoint_every=3,
        val_fraction=0.1,
        weight_decay=0.1,
        grad_accum_steps=2,  # the micro-batch before the last skips the reduce-scatter
        early_stopping_patience=5,  # best weights gathered at each improvement
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = [str(port), str(tmp_path), json.dumps(cfg)]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(r), *args], env=env, cwd=REPO) for r in (0, 1)]
    assert [p.wait(timeout=240) for p in procs] == [0, 0]
    out = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]

    # The point of FSDP: each of two ranks holds about half of the parameters.
    n_blocks = len(load_causal_lm("kiln-gpt-tiny").model.blocks)
    for o in out:
        assert o["units"] == n_blocks and o["full"] > 100_000
        assert abs(o["local"] / o["full"] - 0.5) < 0.01, o
    assert out[0]["local"] + out[1]["local"] == out[0]["full"]
    fsdp_logs = out[0]["fsdp"]["logs"]
    assert any(f"FSDP: {n_blocks} blocks and the model root sharded over 2 ranks" in line for line in fsdp_logs)

    # Same loss trajectory as DDP (same data, same updates; only reduction orders differ).
    ddp, fsdp = out[0]["ddp"], out[0]["fsdp"]
    assert [s for s, _, _ in fsdp["losses"]] == [1, 2, 3, 4, 5, 6]
    for (_, a, ga), (_, b, gb) in zip(ddp["losses"], fsdp["losses"], strict=True):
        assert b == pytest.approx(a, rel=1e-4) and gb == pytest.approx(ga, rel=1e-3)
    assert fsdp["losses"][-1][1] < fsdp["losses"][0][1]  # it learns
    for key in ("train_loss", "val_loss", "best_val_loss"):
        assert fsdp["metrics"][key] == pytest.approx(ddp["metrics"][key], rel=1e-4)
    assert out[1]["fsdp"]["metrics"] == fsdp["metrics"]  # every rank returns the same result

    # Rank 0 saved the full model, loadable as any other, with DDP's weights.
    assert fsdp["model_dir"] == out[1]["fsdp"]["model_dir"] == str(tmp_path / "fsdp0" / "model")
    assert not (tmp_path / "fsdp1" / "model").exists()
    a = load_causal_lm(ddp["model_dir"]).model.state_dict()
    b = load_causal_lm(fsdp["model_dir"]).model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(b[k], a[k], atol=1e-4, rtol=1e-3)

    # The checkpoint holds full tensors under the usual names, and resuming from it continues
    # like the uninterrupted run.
    assert [o["cancelled"] for o in out] == [4, 4]
    ck = tmp_path / "first0" / "_checkpoints" / "step-00000003"
    weights = load_file(str(ck / "weights.safetensors"))
    assert {k: v.shape for k, v in weights.items()} == {k: v.shape for k, v in a.items() if k in weights}
    optim = torch.load(ck / "optim.pt", weights_only=True)["optimizers"]["model"]
    assert set(optim["state"]) == set(weights)  # keyed by parameter name, full shapes
    assert all(optim["state"][k]["exp_avg"].shape == weights[k].shape for k in weights)
    resumed = out[0]["resumed"]
    assert any("resumed from checkpoint at step 3" in line for line in resumed["logs"])
    for key in ("train_loss", "val_loss", "best_val_loss"):
        assert resumed["metrics"][key] == pytest.approx(fsdp["metrics"][key], rel=1e-4)
    c = load_causal_lm(resumed["model_dir"]).model.state_dict()
    for k in b:
        torch.testing.assert_close(c[k], b[k], atol=1e-4, rtol=1e-3)


def test_block_stacks_are_found_once():
    model = load_causal_lm("kiln-gpt-tiny").model
    stacks = block_lists(model)
    assert len(stacks) == 1 and stacks[0] is model.blocks


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"optimizer": "adafactor"}, "optimizer"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"precision": "fp16"}, "precision"),
        ({"spectral_norm": True}, "spectral_norm"),
        ({"tuning": "lora"}, "tuning"),
        ({"sharding": "zero3"}, "sharding"),
    ],
)
def test_fsdp_refuses_what_it_cannot_run(tmp_path, overrides, field):
    data = tmp_path / "d.jsonl"
    write_jsonl(demo_sft_records(4, seed=0), data)
    with pytest.raises(ConfigError) as e:
        SFTConfig(base_model="kiln-gpt-tiny", train_path=str(data), **({"sharding": "fsdp"} | overrides))
    assert e.value.field == field
