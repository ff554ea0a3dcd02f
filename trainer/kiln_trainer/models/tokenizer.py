"""The built-in byte-level BPE tokenizer shared by every kiln-gpt model.

`python -m kiln_trainer.models.tokenizer --train` re-creates `assets/tokenizer.json` from the shipped
`assets/corpus.txt`. Byte-level means any UTF-8 text encodes without unknown tokens and decodes
back exactly.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kiln_trainer.models.corpus import CORPUS_PATH

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

ASSETS = Path(__file__).parent / "assets"
TOKENIZER_PATH = ASSETS / "tokenizer.json"
EOS_TOKEN = "<|endoftext|>"  # also the pad token: padded positions are masked anyway
VOCAB_SIZE = 2048


def train_tokenizer(corpus_path: Path = CORPUS_PATH, vocab_size: int = VOCAB_SIZE) -> Tokenizer:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    # add_prefix_space=False: a prompt and its completion are encoded separately and
    # concatenated, so a word must encode the same at the start of a string as anywhere else.
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[EOS_TOKEN],
        # All 256 byte symbols up front, so bytes absent from the corpus still encode.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train([str(corpus_path)], trainer)
    return tok


def load_tokenizer(path: Path | str = TOKENIZER_PATH) -> PreTrainedTokenizerFast:
    """The shipped (or a saved) tokenizer.json wrapped for transformers-style use."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_file=str(path), eos_token=EOS_TOKEN, pad_token=EOS_TOKEN)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", action="store_true", help="retrain and write tokenizer.json")
    parser.add_argument("--out", type=Path, default=TOKENIZER_PATH)
    args = parser.parse_args(argv)
    if not args.train:
        parser.error("nothing to do; pass --train")
    tok = train_tokenizer()
    tok.save(str(args.out))
    print(f"wrote {args.out} (vocab {tok.get_vocab_size()})")


if __name__ == "__main__":
    main()
