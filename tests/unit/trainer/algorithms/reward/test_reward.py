"""Preference data, the reward model (score, save/load) and the reward-model job."""

import json

import pytest
import torch

from kiln_trainer.algorithms.reward import RewardConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import write_jsonl
from kiln_trainer.data.preference import collate_pairs, tokenize_preferences
from kiln_trainer.data.synthetic import keyword_preferences, sentiment_preferences
from kiln_trainer.errors import ConfigError, TrainingCancelled
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.models.reward_model import (
    REWARD_MODEL_TYPE,
    is_reward_model_dir,
    load_reward_model,
    reward_model_from_causal_lm,
)
from kiln_trainer.models.tokenizer import load_tokenizer

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("prefs")
    write_jsonl(sentiment_preferences(300, seed=0), d / "train.jsonl")
    write_jsonl(sentiment_preferences(100, seed=1), d / "val.jsonl")  # new combinations
    return d


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    """40 pairs: enough for the tests of mechanics (resume, LoRA)."""
    d = tmp_path_factory.mktemp("few")
    write_jsonl(sentiment_preferences(40, seed=0), d / "train.jsonl")
    return d


def small(data, **kw) -> RewardConfig:
    args = dict(
        base_model="kiln-gpt-tiny",
        train_path=str(data / "train.jsonl"),
        batch_size=4,
        max_seq_len=48,
        learning_rate=1e-3,
        warmup_steps=1,
        max_steps=4,
        log_every=2,
        eval_every=2,
        val_fraction=0.1,
    )
    return RewardConfig(**(args | kw))


# -- bad input ---------------------------------------------------------------------------------


def test_bad_training_file_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "chosen": "b", "rejected": "c"}\n{"prompt": "a", "chosen": "b"}\n')
    with pytest.raises(ConfigError) as e:
        train(RewardConfig(base_model="kiln-gpt-tiny", train_path=str(bad)), LocalContext(tmp_path))
    assert e.value.field == "train_path" and "line 2: rejected" in e.value.message
    with pytest.raises(ConfigError) as e:
        train(RewardConfig(base_model="kiln-gpt-tiny", train_path=str(tmp_path / "no.jsonl")), LocalContext(tmp_path))
    assert "no such file" in e.value.message


# -- data --------------------------------------------------------------------------------------


def test_synthetic_sets_follow_their_rules():
    for r in sentiment_preferences(50, seed=3):
        assert any(
            w in r["chosen"]
            for w in ("great", "wonderful", "excellent", "lovely", "delightful", "fantastic", "superb", "pleasant")
        )
    assert all(
        "please" in r["chosen"].lower() and "please" not in r["rejected"].lower()
        for r in keyword_preferences(50, seed=3)
    )
    assert sentiment_preferences(5, seed=1) == sentiment_preferences(5, seed=1)


def test_tokenize_and_collate_pairs():
    tok = load_tokenizer()
    eos = tok.eos_token_id
    long_prompt = "one two three four five six seven eight nine ten eleven twelve\n"
    pairs, stats = tokenize_preferences(
        [
            {"prompt": "Hi\n", "chosen": "Hello there", "rejected": "Go"},
            {"prompt": long_prompt, "chosen": "yes", "rejected": "no"},
        ],
        tok,
        max_seq_len=10,
    )
    a, b = pairs
    assert a.chosen_ids[-1] == eos and a.rejected_ids[-1] == eos
    assert tok.decode(a.chosen_ids[:-1]) == "Hello there" and tok.decode(a.prompt_ids) == "Hi\n"
    # The long prompt loses its start; both sides share one prompt and fit in 10 tokens.
    assert stats.truncated == 1 and max(b.lengths()) == 10
    assert tok.decode(b.prompt_ids).endswith("twelve\n")
    batch = collate_pairs(pairs, pad_id=eos)
    assert batch.input_ids.shape[0] == 4 and batch.n_pairs == 2
    # Row 0 = pair 0 chosen, row 2 = pair 0 rejected; the completion mask covers exactly the completion.
    n_p = len(a.prompt_ids)
    assert batch.input_ids[0, : n_p + len(a.chosen_ids)].tolist() == a.prompt_ids + a.chosen_ids
    assert batch.completion_mask[2].tolist()[n_p : n_p + len(a.rejected_ids)] == [1] * len(a.rejected_ids)
    assert int(batch.completion_mask[2].sum()) == len(a.rejected_ids)
    assert batch.last_index.tolist() == [
        n_p + len(a.chosen_ids) - 1,
        sum(b.lengths()[:1]) - 1,
        n_p + len(a.rejected_ids) - 1,
        b.lengths()[1] - 1,
    ]


# -- the model ---------------------------------------------------------------------------------


def test_score_reads_the_last_real_token_and_ignores_padding():
    rm = reward_model_from_causal_lm("kiln-gpt-tiny", seed=0).eval()
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    with torch.no_grad():
        both = rm.score(ids, mask)
        alone = rm.score(ids[1:, :2], mask[1:, :2])
        h = rm.hidden(ids[:1], mask[:1])
    assert both.shape == (2,)
    torch.testing.assert_close(both[1:], alone)
    torch.testing.assert_close(both[:1], rm.head(h[:, 3]).squeeze(-1))


def test_save_and_load_round_trip(tmp_path):
    rm = reward_model_from_causal_lm("kiln-gpt-tiny", seed=4).eval()
    with torch.no_grad():
        rm.head.bias.fill_(0.25)  # something the fresh head would not have
    rm.save(tmp_path / "rm")
    config = json.loads((tmp_path / "rm" / "config.json").read_text())
    assert config["model_type"] == REWARD_MODEL_TYPE and is_reward_model_dir(tmp_path / "rm")
    assert not is_reward_model_dir(tmp_path)
    back = load_reward_model(tmp_path / "rm").eval()
    texts = ["The coffee was great.", "A dreadful hotel!"]
    assert back.score_texts(texts) == rm.score_texts(texts)
    load_causal_lm(str(tmp_path / "rm" / "backbone"))  # the body is a plain causal LM dir
    with pytest.raises(ValueError, match="not a reward model"):
        load_reward_model(tmp_path / "rm" / "backbone")


def test_hugging_face_body(tmp_path):
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = load_tokenizer()
    torch.manual_seed(0)
    GPT2LMHeadModel(
        GPT2Config(n_layer=1, n_embd=32, n_head=2, n_positions=64, vocab_size=len(tok), eos_token_id=tok.eos_token_id)
    ).save_pretrained(tmp_path / "hf")
    tok.save_pretrained(tmp_path / "hf")
    rm = reward_model_from_causal_lm(str(tmp_path / "hf")).eval()
    ids, mask = torch.tensor([[5, 6, 7], [8, 9, 0]]), torch.tensor([[1, 1, 1], [1, 1, 0]])
    with torch.no_grad():
        torch.testing.assert_close(rm.score(ids, mask)[1:], rm.score(ids[1:, :2], mask[1:, :2]))
    rm.save(tmp_path / "rm")
    back = load_reward_model(tmp_path / "rm").eval()
    assert back.lm.kind == "hf" and back.score_texts(["a b c"]) == pytest.approx(rm.score_texts(["a b c"]))


# -- the job -----------------------------------------------------------------------------------


@pytest.mark.slow  # a 60-step run that must reach 90% accuracy
def test_reward_model_learns_the_rule(data, tmp_path):
    cfg = small(
        data,
        val_path=str(data / "val.jsonl"),
        batch_size=16,
        max_seq_len=64,
        warmup_steps=5,
        max_steps=60,
        log_every=5,
        eval_every=20,
    )
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    val = [m for _, m in ctx.metrics if "val_accuracy" in m]
    assert len(val) == 3
    assert result.family == "reward_model" and result.metrics["steps"] == 60
    assert result.metrics["val_accuracy"] >= 0.9, result.metrics
    assert result.metrics["val_reward_margin"] > 0 and result.metrics["val_loss"] < 0.5
    first = ctx.metrics[0][1]
    assert {
        "loss",
        "accuracy",
        "reward_margin",
        "chosen_reward",
        "rejected_reward",
        "lr",
        "grad_norm",
        "pairs_per_s",
        "epoch",
    } <= set(first)
    assert ctx.artifacts["loss_curve.png"].read_bytes()[:4] == b"\x89PNG"
    rm = load_reward_model(result.model_dir).eval()
    prompt = "What did you think of the song?\n"
    good, bad = rm.score_completions([prompt, prompt], ["What a superb song!", "What a horrible song!"])
    assert good > bad
    # Scoring the joined text agrees where the join tokenizes like the separate parts.
    assert rm.score_texts([prompt + "What a superb song!"]) == pytest.approx([good], abs=1e-5)


def test_cancel_and_resume(few, tmp_path):
    cfg = small(few, max_steps=6, checkpoint_every=2)
    full = train(cfg, LocalContext(tmp_path / "full")).metrics
    first = LocalContext(tmp_path / "first", stop_after_step=4)
    with pytest.raises(TrainingCancelled) as e:
        train(cfg, first)
    assert e.value.step == 4 and sorted(first.checkpoints) == [2, 4]
    second = LocalContext(tmp_path / "second")
    second.checkpoints[4] = first.checkpoints[4]
    resumed = train(cfg, second).metrics
    assert any("resumed from checkpoint at step 4" in line for line in second.logs)
    assert second.metrics[0][0] == 6
    assert resumed["train_loss"] == pytest.approx(full["train_loss"], abs=1e-5)
    assert resumed["val_accuracy"] == full["val_accuracy"]


def test_lora_trains_adapters_and_the_head(few, tmp_path):
    result = train(small(few, tuning="lora", lora_r=2, max_steps=3, precision="bf16"), LocalContext(tmp_path))
    assert (result.model_dir / "adapter" / "adapter_config.json").exists()
    trained = load_reward_model(result.model_dir)
    base = reward_model_from_causal_lm("kiln-gpt-tiny", seed=0)
    assert set(trained.state_dict()) == set(base.state_dict())  # merged: no lora_* names
    assert not torch.equal(trained.head.weight, base.head.weight)
    assert not torch.equal(trained.body.blocks[0].attn.c_attn.weight, base.body.blocks[0].attn.c_attn.weight)
    assert torch.equal(trained.body.wte.weight, base.body.wte.weight)  # not an adapter target
