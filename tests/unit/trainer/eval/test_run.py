"""trainer/kiln_trainer/eval/run.py on kiln-gpt-tiny: batched passes agree with a naive one-record-at-a-time
reference, sampling is reproducible, and a model diverges from itself by nothing."""

from __future__ import annotations

import json
import math

import pytest
import torch

from kiln_trainer.eval.run import evaluate
from kiln_trainer.eval.spec import EvalSpec

RECORDS = [
    {"prompt": "Convert to uppercase: red fox\n", "completion": "RED FOX"},
    {"prompt": "What is 2 + 2?\n", "completion": "4"},
    {"messages": [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": "hi there"}]},
    {"prompt": "Name a colour\n", "completion": "blue"},
]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "sft.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return str(path)


def _naive_perplexity(records) -> float:
    from kiln_trainer.models.loader import load_causal_lm

    lm = load_causal_lm("kiln-gpt-tiny")
    tok, eos = lm.tokenizer, lm.eos_token_id
    nll, n = 0.0, 0
    for r in records:
        if "messages" in r:
            user, answer = r["messages"]
            prefix = ["<|user|>\n", user["content"], "\n", "<|assistant|>\n"]
            target_text = answer["content"]
        else:
            prefix, target_text = [r["prompt"]], r["completion"]
        context = [i for piece in prefix for i in tok.encode(piece, add_special_tokens=False)]
        target = tok.encode(target_text, add_special_tokens=False) + [eos]
        ids = torch.tensor([context + target])
        with torch.no_grad():
            logp = torch.log_softmax(lm.logits(ids)[0].float(), dim=-1)  # (T, V)
        for k, token in enumerate(target):
            nll -= float(logp[len(context) + k - 1, token])
            n += 1
    return math.exp(nll / n)


def test_perplexity_matches_naive_reference(data):
    got = evaluate(
        EvalSpec(metrics=("perplexity",), model="kiln-gpt-tiny", dataset_path=data, dataset_format="sft", batch_size=3)
    )
    assert got["perplexity"] == pytest.approx(_naive_perplexity(RECORDS), rel=1e-4)


def test_sampling_is_reproducible_and_self_kl_is_zero(data):
    spec = EvalSpec(
        metrics=("distinct_n", "exact_match", "kl_to_reference"),
        model="kiln-gpt-tiny",
        reference_model="kiln-gpt-tiny",
        dataset_path=data,
        dataset_format="sft",
        sampling={"temperature": 1.0, "max_tokens": 6},
        batch_size=2,
    )
    reports = []
    first = evaluate(spec, reports.append, interval_s=0)
    assert evaluate(spec) == first
    assert first["kl_to_reference"] == pytest.approx(0.0, abs=1e-5)
    assert 0 < first["distinct_1"] <= 1 and first["exact_match"] == 0.0
    assert reports[-1].completed_records == reports[-1].total_records == len(RECORDS)
    assert reports[-1].results == first
    completed = [r.completed_records for r in reports]
    assert completed == sorted(completed)


def test_an_int8_export_is_evaluated_with_its_quantized_weights(data, tmp_path):
    """An ExportModel output (quantized modules, no plain state dict) loads for evaluation; its
    perplexity is close to the fp32 model's but not bit-identical (the int8 weights are used)."""
    from kiln_trainer.compress import export_model
    from kiln_trainer.models.loader import load_causal_lm

    src = load_causal_lm("kiln-gpt-tiny").save(tmp_path / "fp32")
    export_model(src, tmp_path / "int8", quantization="int8")

    def ppl(model: str) -> float:
        spec = EvalSpec(metrics=("perplexity",), model=model, dataset_path=data, dataset_format="sft", batch_size=4)
        return evaluate(spec)["perplexity"]

    fp32, int8 = ppl(str(src)), ppl(str(tmp_path / "int8"))
    assert int8 != fp32
    assert int8 == pytest.approx(fp32, rel=0.02)
