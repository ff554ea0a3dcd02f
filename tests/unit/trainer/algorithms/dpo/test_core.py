"""The DPO algorithm on token-id tensors (core.py), on a toy model."""

import math

import pytest
import torch

from kiln_trainer.algorithms.dpo.core import dpo_step, reference_logps, sequence_logps
from kiln_trainer.data.preference import PreferencePair, collate_pairs
from kiln_trainer.models.gpt import GPT
from tests.tasks.optimum import toy_gpt_config

pytestmark = pytest.mark.usefixtures("one_thread")


def toy_model(seed=0) -> GPT:
    torch.manual_seed(seed)
    return GPT(toy_gpt_config())


TOY_PAIRS = [
    PreferencePair([1, 2], [3, 4, 5], [6, 7]),
    PreferencePair([0], [2, 2], [5, 1, 1, 3]),
]


def test_sequence_logps_matches_naive_loop():
    model = toy_model().eval()
    batch = collate_pairs(TOY_PAIRS, pad_id=0)
    with torch.no_grad():
        got = sequence_logps(model(batch.input_ids), batch.input_ids, batch.completion_mask)
        rows = [(p.prompt_ids, p.chosen_ids) for p in TOY_PAIRS] + [(p.prompt_ids, p.rejected_ids) for p in TOY_PAIRS]
        for i, (prompt, completion) in enumerate(rows):
            total = 0.0
            for k, token in enumerate(completion):
                ids = torch.tensor([prompt + completion[:k]])  # the unpadded prefix alone
                total += float(model(ids)[0, -1].double().log_softmax(-1)[token])
            assert float(got[i]) == pytest.approx(total, abs=1e-5)


def test_dpo_step_at_the_reference_and_its_gradient():
    model = toy_model()
    batch = collate_pairs(TOY_PAIRS, pad_id=0)
    ref_c, ref_r = reference_logps(model, [batch])
    out = dpo_step(model, batch, ref_c, ref_r, beta=0.1)
    assert float(out.loss.detach()) == pytest.approx(math.log(2.0), abs=1e-6)
    assert out.metrics()["reward_margin"] == pytest.approx(0.0, abs=1e-6)
    out.loss.backward()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    opt.step()
    with torch.no_grad():
        after = sequence_logps(model(batch.input_ids), batch.input_ids, batch.completion_mask)
    # One descent step widens the chosen-minus-rejected log-ratio of both pairs.
    assert ((after[:2] - ref_c) - (after[2:] - ref_r) > 0).all()


def test_ipo_uses_length_normalised_logps():
    model = toy_model(1)
    batch = collate_pairs(TOY_PAIRS, pad_id=0)
    ref_c, ref_r = reference_logps(toy_model(2), [batch])
    out = dpo_step(model, batch, ref_c, ref_r, beta=0.5, loss="ipo")
    with torch.no_grad():
        logps = sequence_logps(model(batch.input_ids), batch.input_ids, batch.completion_mask)
    n = torch.tensor([3.0, 2.0, 2.0, 4.0])  # completion lengths, chosen rows then rejected
    avg, ref = logps / n, torch.cat([ref_c, ref_r]) / n
    h = (avg[:2] - ref[:2]) - (avg[2:] - ref[2:])
    assert float(out.loss.detach()) == pytest.approx(float(((h - 1.0) ** 2).mean()), rel=1e-5)
