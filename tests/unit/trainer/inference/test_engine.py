"""The continuous-batching engine on the built-in tiny model (no Ray, no server)."""

import queue
import threading
import time

import pytest
import torch

from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.engine import Engine, GenerationRequest, QueueFull
from kiln_trainer.inference.params import SamplingParams
from kiln_trainer.models.loader import load_causal_lm


@pytest.fixture(scope="module")
def lm():
    return load_causal_lm("kiln-gpt-tiny")


@pytest.fixture
def engine(lm):
    e = Engine(lm, max_batch=4, max_queue=4)
    yield e
    e.stop()


def greedy(n):
    return SamplingParams(temperature=0, max_tokens=n)


def test_greedy_matches_the_models_own_cached_decoding(engine, lm):
    prompt = engine.tokenize("The cat sat on")
    out = engine.generate([GenerationRequest(prompt, greedy(12))])[0]
    ref = lm.model.generate(torch.tensor([prompt]), 12)[0, len(prompt) :].tolist()
    assert out.token_ids == ref[: len(out.token_ids)]
    assert out.finish_reason in ("LENGTH", "STOP")


def test_rows_joining_mid_flight_get_the_same_tokens_as_alone(engine):
    prompts = [engine.tokenize(t) for t in ["a b", "hello there friend", "x", "one two three four five"]]
    reqs = [
        GenerationRequest(p, SamplingParams(temperature=0.9, seed=5, max_tokens=6 + 3 * i), index=i)
        for i, p in enumerate(prompts)
    ]
    together = engine.generate(reqs)
    alone = [engine.generate([r])[0] for r in reqs]
    assert [t.token_ids for t in together] == [a.token_ids for a in alone]
    assert [len(t.token_ids) for t in together] == [6, 9, 12, 15]


def test_logprobs_agree_with_a_direct_forward_pass(engine, lm):
    prompt = engine.tokenize("Once upon a time")
    out = engine.generate(
        [GenerationRequest(prompt, SamplingParams(temperature=1.0, seed=1, max_tokens=10, logprobs=True))]
    )[0]
    full = torch.tensor([prompt + out.token_ids])
    with torch.no_grad():
        lp = lm.model(full).log_softmax(-1)[0, len(prompt) - 1 : -1]
    direct = lp.gather(-1, torch.tensor(out.token_ids)[:, None])[:, 0]
    assert torch.allclose(direct, torch.tensor(out.logprobs), atol=1e-4)


def test_max_tokens_past_the_context_is_rejected_with_the_field(engine):
    with pytest.raises(ConfigError) as e:
        engine.check(GenerationRequest([1, 2, 3], SamplingParams(max_tokens=400)))
    assert e.value.field == "params.max_tokens"
    with pytest.raises(ConfigError) as e:
        engine.check(GenerationRequest([], SamplingParams()))
    assert e.value.field == "prompt"


def test_default_max_tokens_fits_the_context(engine):
    assert engine.check(GenerationRequest([1] * 200, SamplingParams())) == 56


def test_cancel_frees_the_slot_at_the_next_token(engine):
    box: queue.Queue = queue.Queue()
    h = engine.submit(GenerationRequest(engine.tokenize("go"), SamplingParams(max_tokens=200, seed=0)), box.put)
    box.get(timeout=10)  # the first token arrived: the request is running
    h.cancel()
    deadline = time.monotonic() + 5
    reasons = []
    while time.monotonic() < deadline:
        c = box.get(timeout=5)
        if c.finish_reason:
            reasons.append(c.finish_reason)
            break
    assert reasons == ["CANCELLED"]
    time.sleep(0.05)
    assert engine.stats()["running"] == 0


def test_the_waiting_queue_is_bounded(lm):
    e = Engine(lm, max_batch=1, max_queue=2)
    gate = threading.Event()
    try:
        # Hold the engine thread inside a callback so nothing leaves the queue meanwhile.
        e.submit(GenerationRequest([5], SamplingParams(max_tokens=50, seed=0)), lambda c: gate.wait(10))
        time.sleep(0.2)
        e.submit(GenerationRequest([5], SamplingParams(max_tokens=2, seed=0)), lambda c: None)
        e.submit(GenerationRequest([5], SamplingParams(max_tokens=2, seed=0)), lambda c: None)
        with pytest.raises(QueueFull):
            e.submit(GenerationRequest([5], SamplingParams(max_tokens=2, seed=0)), lambda c: None)
    finally:
        gate.set()
        e.stop()


def test_stop_strings_end_the_sample_without_the_stop_text(engine):
    prompt = engine.tokenize("The cat sat on")
    free = engine.generate([GenerationRequest(prompt, greedy(20))])[0]
    stop = free.text[5:8]
    assert stop.strip(), "the greedy text should have some characters to stop on"
    out = engine.generate([GenerationRequest(prompt, SamplingParams(temperature=0, max_tokens=20, stop=(stop,)))])[0]
    assert out.finish_reason == "STOP"
    assert out.text == free.text[: free.text.find(stop)]


def test_a_row_with_non_finite_logits_fails_alone(engine, monkeypatch):
    """NaN or inf in one row's logits (an extreme request, a model fault) fails that request only;
    its batch mates get exactly the tokens they get alone."""
    prompts = [engine.tokenize(t) for t in ["a b", "hello there", "x y z"]]
    reqs = [
        GenerationRequest(p, SamplingParams(temperature=0.8, seed=3, max_tokens=5), index=i)
        for i, p in enumerate(prompts)
    ]
    alone = [engine.generate([r])[0].token_ids for r in reqs]
    poisoned = reqs[1].request_id
    real_decode = engine._decode_step

    def decode(tokens):
        logits = real_decode(tokens)
        for i, row in enumerate(engine._rows):
            if row.handle.request.request_id == poisoned:
                logits[i, :] = float("nan")
        return logits

    monkeypatch.setattr(engine, "_decode_step", decode)
    boxes: list[queue.Queue] = [queue.Queue() for _ in reqs]
    for r, box in zip(reqs, boxes, strict=True):
        engine.submit(r, box.put)
    from kiln_trainer.inference.engine import collect

    assert collect(reqs[0], boxes[0]).token_ids == alone[0]
    with pytest.raises(RuntimeError, match="non-finite"):
        collect(reqs[1], boxes[1])
    assert collect(reqs[2], boxes[2]).token_ids == alone[2]


def test_sample_rows_isolates_broken_rows():
    from kiln_trainer.inference.sampler import RowSampling, sample_rows

    logits = torch.randn(3, 11)
    logits[1, 4] = float("inf")
    rows = [RowSampling(t, 0, 1.0, 1.0, torch.Generator().manual_seed(0), None) for t in (0.0, 0.7, 0.0)]
    draws = sample_rows(logits, rows, [False, False, False])
    assert [d.error is None for d in draws] == [True, False, True]
    assert draws[0].token == int(logits[0].argmax()) and draws[2].token == int(logits[2].argmax())
    greedy = [RowSampling(0.0, 0, 1.0, 1.0, None, None) for _ in range(3)]
    logits[2, :] = float("nan")
    assert [d.error is None for d in sample_rows(logits, greedy, [False] * 3)] == [True, False, False]


def test_a_burst_of_long_prompts_is_admitted_within_the_prefill_budget(lm):
    from kiln_trainer.inference.engine import RequestHandle

    e = Engine(lm, max_batch=8, prefill_tokens=100)
    for n in (60, 30, 20, 150, 5):
        e._waiting.append(RequestHandle(GenerationRequest([1] * n, greedy(2)), lambda c: None))
    assert [len(h.request.prompt_ids) for h in e._admit()] == [60, 30]  # 20 more would pass 100
    assert [len(h.request.prompt_ids) for h in e._admit()] == [20]  # FIFO: 150 waits its turn
    assert [len(h.request.prompt_ids) for h in e._admit()] == [150]  # alone, even past the budget
    assert [len(h.request.prompt_ids) for h in e._admit()] == [5]
