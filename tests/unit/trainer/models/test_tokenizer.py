"""The shipped byte-level BPE tokenizer: round trips, special tokens, reproducible training."""

import json

import pytest

from kiln_trainer.models.corpus import CORPUS_PATH, build_corpus
from kiln_trainer.models.tokenizer import EOS_TOKEN, TOKENIZER_PATH, VOCAB_SIZE, load_tokenizer, main


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


@pytest.mark.parametrize(
    "text",
    [
        "What is 12 plus 7?\n19",
        "  leading spaces, tabs\tand\nnewlines  ",
        "Unicode: café, naïve, 日本語, emoji 🔥",
        '{"json": [1, 2, 3]}',
    ],
)
def test_round_trip(tok, text):
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == text


def test_vocab_and_special_tokens(tok):
    assert len(tok) == VOCAB_SIZE
    assert tok.eos_token == EOS_TOKEN and tok.pad_token == EOS_TOKEN
    assert tok.eos_token_id == tok.pad_token_id == 0
    assert tok.encode(f"hi{EOS_TOKEN}", add_special_tokens=False)[-1] == tok.eos_token_id
    # Common words are single tokens: the merges learned real vocabulary.
    assert len(tok.encode(" the", add_special_tokens=False)) == 1


def test_shipped_corpus_is_reproducible():
    assert CORPUS_PATH.read_text(encoding="utf-8") == build_corpus()
    assert CORPUS_PATH.stat().st_size < 300_000


def test_retraining_gives_the_shipped_vocab(tmp_path):
    out = tmp_path / "tokenizer.json"
    main(["--train", "--out", str(out)])
    retrained, shipped = json.loads(out.read_text()), json.loads(TOKENIZER_PATH.read_text())
    assert retrained["model"]["vocab"] == shipped["model"]["vocab"]
    assert retrained["model"]["merges"] == shipped["model"]["merges"]
