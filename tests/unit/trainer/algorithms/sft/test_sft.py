"""The SFT trainer: learning, resume, cancel, LoRA, early stopping, DDP."""

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from kiln_trainer.algorithms.sft import SFTConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH, demo_sft_records, write_jsonl
from kiln_trainer.data.tokenize import tokenize_sft
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.losses import sft_loss
from kiln_trainer.models.loader import load_causal_lm

REPO = Path(__file__).resolve().parents[5]

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "demo.jsonl"
    write_jsonl(demo_sft_records(300, seed=1), path)
    return str(path)


def small(demo_path, **kw) -> SFTConfig:
    args = dict(
        base_model="kiln-gpt-tiny",
        train_path=demo_path,
        batch_size=2,
        max_seq_len=64,
        learning_rate=3e-3,
        warmup_steps=2,
        log_every=2,
        eval_every=4,
        max_steps=8,
    )
    return SFTConfig(**(args | kw))


# -- bad input ---------------------------------------------------------------------------------


def test_missing_or_bad_training_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        train(SFTConfig(base_model="kiln-gpt-tiny", train_path=str(tmp_path / "no.jsonl")), LocalContext(tmp_path))
    assert e.value.field == "train_path" and "no such file" in e.value.message
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "completion": "b"}\n{"prompt": "a"}\n')
    with pytest.raises(ConfigError) as e:
        train(SFTConfig(base_model="kiln-gpt-tiny", train_path=str(bad)), LocalContext(tmp_path))
    assert e.value.field == "train_path" and "line 2: completion" in e.value.message


# -- training ----------------------------------------------------------------------------------


@pytest.mark.slow  # a 60-step run that must learn
def test_sft_on_demo_data_learns(tmp_path):
    records = tmp_path / "demo.jsonl"
    records.write_text("".join(DEMO_SFT_PATH.read_text().splitlines(keepends=True)[:400]))
    cfg = SFTConfig(
        base_model="kiln-gpt-tiny",
        train_path=str(records),
        max_steps=60,
        batch_size=4,
        max_seq_len=128,
        learning_rate=3e-3,
        warmup_steps=5,
        log_every=1,
        eval_every=30,
        measure_decode_latency=True,
    )
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    losses = [m["loss"] for _, m in ctx.metrics if "loss" in m]
    assert len(losses) == 60
    assert losses[-1] < 0.7 * losses[0], (losses[0], losses[-1])
    val = [m["val_loss"] for _, m in ctx.metrics if "val_loss" in m]
    assert len(val) == 2 and val[1] < val[0]
    # Report contents and the run's outputs.
    step, first = ctx.metrics[0]
    assert step == 1 and set(first) == {"loss", "lr", "tokens_per_s", "grad_norm", "epoch", "tokens"}
    assert first["tokens_per_s"] > 0 and first["lr"] == pytest.approx(3e-3 / 5)
    assert result.family == "causal_lm" and result.metrics["steps"] == 60
    assert result.metrics["train_loss"] == losses[-1]
    assert result.metrics["best_val_loss"] == min(val)
    assert result.metrics["tokens"] == ctx.metrics[-2][1]["tokens"] > 0
    assert result.metrics["decode_ms_per_token"] > 0  # measured on the saved model
    png = ctx.artifacts["loss_curve.png"]
    assert png.read_bytes()[:4] == b"\x89PNG" and result.artifacts["loss_curve.png"].endswith("loss_curve.png")
    assert any("1,088,256 parameters" in line for line in ctx.logs)
    assert any("360 train / 40 validation" in line for line in ctx.logs)
    load_causal_lm(str(result.model_dir))  # loadable as saved


def test_resume_continues_like_an_uninterrupted_run(demo_path, tmp_path):
    cfg = small(demo_path, max_steps=10, checkpoint_every=3, grad_accum_steps=2)
    full = LocalContext(tmp_path / "full")
    expected = train(cfg, full).metrics

    first = LocalContext(tmp_path / "first", stop_after_step=6)
    with pytest.raises(TrainingCancelled) as e:
        train(cfg, first)
    assert e.value.step == 6 and sorted(first.checkpoints) == [3, 6]
    assert {p.name for p in first.checkpoints[6].iterdir()} == {
        "weights.safetensors",
        "optim.pt",
        "rng.pt",
        "state.json",
    }
    state = json.loads((first.checkpoints[6] / "state.json").read_text())
    assert (state["step"], state["epoch"]) == (6, 0) and state["history"]["val"]

    second = LocalContext(tmp_path / "second")
    second.checkpoints[6] = first.checkpoints[6]  # what a new attempt's context would hold
    resumed = train(cfg, second).metrics
    assert any("resumed from checkpoint at step 6" in line for line in second.logs)
    assert second.metrics[0][0] == 8  # continues, does not redo steps 1..6
    assert resumed["steps"] == 10 and resumed["tokens"] == expected["tokens"]
    assert resumed["train_loss"] == pytest.approx(expected["train_loss"], abs=1e-4)
    assert resumed["best_val_loss"] == pytest.approx(expected["best_val_loss"], abs=1e-4)
    a = load_causal_lm(str(tmp_path / "full" / "model")).model.state_dict()
    b = load_causal_lm(str(tmp_path / "second" / "model")).model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-5, rtol=1e-4)


def test_cancel_raises_promptly(demo_path, tmp_path):
    ctx = LocalContext(tmp_path, stop_after_step=2)
    with pytest.raises(TrainingCancelled) as e:
        train(small(demo_path, max_steps=50), ctx)
    assert e.value.step == 2 and ctx.metrics[-1][0] == 2
    assert not (tmp_path / "model").exists()
    assert any("cancelled after step 2" in line for line in ctx.logs)


def test_lora_merges_adapters_and_saves_them(demo_path, tmp_path):
    result = train(small(demo_path, tuning="lora", lora_r=4, max_steps=4, learning_rate=1e-2), LocalContext(tmp_path))
    adapter = result.model_dir / "adapter"
    assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 4
    assert (adapter / "adapter_model.safetensors").exists()
    merged = load_causal_lm(str(result.model_dir)).model.state_dict()
    base = load_causal_lm("kiln-gpt-tiny").model.state_dict()
    assert merged.keys() == base.keys()  # a plain kiln-gpt, no lora_* names
    changed = {k for k in merged if not torch.equal(merged[k], base[k])}
    assert changed == {
        f"blocks.{i}.{m}.weight" for i in range(4) for m in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")
    }


@pytest.mark.parametrize(("tuning", "packing"), [("full", True), ("lora", False)])
def test_loss_takes_the_lm_head_at_target_positions_only_with_the_same_result(demo_path, tmp_path, tuning, packing):
    from kiln_trainer.algorithms.sft.trainer import SFTTrainer
    from kiln_trainer.losses import sft_targets

    trainer = SFTTrainer(small(demo_path, tuning=tuning, lora_r=4, packing=packing), LocalContext(tmp_path))
    trainer.setup()
    batch = trainer.step_batches(0)[0]
    keep, targets = sft_targets(batch.labels)
    full = trainer.logits(trainer.module, batch)  # (B, T, V): every position
    picked = trainer.target_logits(trainer.module, batch, keep)
    assert picked.shape == (len(targets), full.shape[-1]) and len(targets) == batch.n_targets
    torch.testing.assert_close(picked, full[:, :-1][keep], atol=1e-5, rtol=1e-5)
    loss, _ = trainer.compute_loss(trainer.module, batch, "train")
    total, n = sft_loss(full, batch.labels)
    torch.testing.assert_close(loss, total / n, atol=1e-5, rtol=1e-5)
    # AdamW's fused kernel: one update for all tensors rather than a loop of small ops each.
    assert trainer.optimizers["model"].defaults["fused"] is True


def test_lora_with_unknown_target_module_is_a_config_error(demo_path, tmp_path):
    with pytest.raises(ConfigError) as e:
        train(small(demo_path, tuning="lora", lora_target_modules=["q_proj"]), LocalContext(tmp_path))
    assert e.value.field == "lora_target_modules"


def test_early_stopping_restores_the_best_weights(tmp_path):
    # Training teaches "A"; validation wants "B" for the same prompt, so it only gets worse
    # once the first steps have learned the answer's format.
    train_path, val_path = tmp_path / "train.jsonl", tmp_path / "val.jsonl"
    write_jsonl([{"prompt": f"Say a letter {i}\n", "completion": "A"} for i in range(16)], train_path)
    write_jsonl([{"prompt": "Say a letter 3\n", "completion": "B"}], val_path)
    cfg = SFTConfig(
        base_model="kiln-gpt-tiny",
        train_path=str(train_path),
        val_path=str(val_path),
        batch_size=2,
        max_seq_len=32,
        learning_rate=1e-2,
        warmup_steps=0,
        max_steps=40,
        eval_every=1,
        log_every=1,
        early_stopping_patience=2,
        packing=False,
    )
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    val = [m["val_loss"] for _, m in ctx.metrics if "val_loss" in m]
    best = min(val)
    assert result.metrics["steps"] < 40 and len(val) == result.metrics["steps"]
    assert val[-2:] > [best, best] and result.metrics["best_val_loss"] == best
    assert any("early stopping" in line for line in ctx.logs)
    assert any("restored the best weights" in line for line in ctx.logs)
    # The saved model is the best one: its validation loss is the best reported.
    lm = load_causal_lm(str(result.model_dir))
    (ex,), _ = tokenize_sft([{"prompt": "Say a letter 3\n", "completion": "B"}], lm.tokenizer, 32)
    with torch.no_grad():
        loss_sum, n = sft_loss(lm.logits(torch.tensor([ex.input_ids])), torch.tensor([ex.labels]))
    assert float(loss_sum / n) == pytest.approx(best, abs=1e-5)


def test_epochs_bf16_and_padded_batches(tmp_path):
    path = tmp_path / "d.jsonl"
    write_jsonl(demo_sft_records(10, seed=2), path)
    cfg = SFTConfig(
        base_model="kiln-gpt-tiny",
        train_path=str(path),
        epochs=2,
        batch_size=4,
        max_seq_len=32,
        val_fraction=0.0,
        precision="bf16",
        packing=False,
        log_every=1,
    )
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    assert result.metrics["steps"] == 6  # 10 examples in batches of 4: 3 steps per epoch
    assert [m["epoch"] for _, m in ctx.metrics][-1] == 2.0
    assert "bf16 autocast, padded batches" in ctx.logs[0]
    assert "best_val_loss" not in result.metrics  # no validation split


def test_divergence_is_reported(demo_path, tmp_path):
    cfg = small(demo_path, learning_rate=1e4, max_grad_norm=1e9, warmup_steps=0, max_steps=20, log_every=1)
    with pytest.raises(RuntimeError, match="diverged"):
        train(cfg, LocalContext(tmp_path))


# -- data parallel -----------------------------------------------------------------------------

DDP_WORKER = textwrap.dedent("""
    import json, sys
    import torch, torch.distributed as dist
    from safetensors.torch import save_file
    from kiln_trainer.algorithms.sft import SFTConfig, train
    from kiln_trainer.context import LocalContext
    from kiln_trainer.errors import TrainingCancelled

    rank, port, out, cfg = int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2)
    ctx = LocalContext(f"{out}/rank{rank}")
    result = train(SFTConfig(**cfg), ctx)
    from kiln_trainer.models.loader import load_causal_lm
    state = load_causal_lm(str(f"{out}/rank0/model")).model.state_dict()
    if rank == 0:
        save_file({k: v.contiguous() for k, v in state.items()}, f"{out}/ddp.safetensors")

    class StopOnRank1(LocalContext):  # only rank 1 sees the cancel; rank 0 must stop too
        def should_stop(self):
            self.calls = getattr(self, "calls", 0) + 1
            return rank == 1 and self.calls > 2

    try:
        train(SFTConfig(**cfg), StopOnRank1(f"{out}/cancel{rank}"))
        cancelled = None
    except TrainingCancelled as e:
        cancelled = e.step
    json.dump({"model_dir": str(result.model_dir), "metrics": result.metrics,
               "n_reports": len(ctx.metrics), "cancelled": cancelled},
              open(f"{out}/rank{rank}.json", "w"))
    dist.destroy_process_group()
""")


@pytest.mark.slow  # two processes, each importing torch
def test_data_parallel_matches_single_process_on_the_union_of_batches(demo_path, tmp_path):
    # Two ranks with 2 rows each see exactly the rows one process sees with 4 rows (same
    # seeded order, rank r takes every second batch), so the updates must agree.
    common = dict(
        base_model="kiln-gpt-tiny",
        train_path=demo_path,
        max_seq_len=64,
        learning_rate=3e-3,
        warmup_steps=1,
        log_every=1,
        eval_every=3,
        max_steps=3,
        val_fraction=0.05,
        weight_decay=0.1,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                DDP_WORKER,
                str(r),
                str(port),
                str(tmp_path),
                json.dumps(common | {"batch_size": 2}),
            ],
            env=env,
            cwd=REPO,
        )
        for r in (0, 1)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    out = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert out[0]["metrics"] == out[1]["metrics"]  # same losses on every rank
    assert out[0]["model_dir"] == out[1]["model_dir"] == str(tmp_path / "rank0" / "model")
    assert out[0]["n_reports"] > 0 and out[1]["n_reports"] == 0  # only rank 0 reports
    assert (tmp_path / "rank0" / "model" / "model.safetensors").exists()
    assert not (tmp_path / "rank1" / "model").exists()  # only rank 0 writes the model
    assert [o["cancelled"] for o in out] == [2, 2]  # both stopped in the same step

    single = LocalContext(tmp_path / "single")
    ref = train(SFTConfig(**common, batch_size=4), single)
    assert out[0]["metrics"]["train_loss"] == pytest.approx(ref.metrics["train_loss"], rel=1e-5)
    from safetensors.torch import load_file

    ddp = load_file(str(tmp_path / "ddp.safetensors"))
    ref_state = load_causal_lm(str(ref.model_dir)).model.state_dict()
    for k, v in ddp.items():
        # Adam divides by sqrt(v): a near-zero gradient summed in another order can move a
        # weight by ~lr * 1e-2, so compare at that scale rather than bit for bit.
        torch.testing.assert_close(v, ref_state[k], atol=1e-4, rtol=1e-4)
    shutil.rmtree(tmp_path)
