"""SFT records -> token ids with labels (torch-free; lists of ints).

Labels line up with input_ids and hold -100 wherever the model is not trained to produce the
token; the loss shifts them by one. A record becomes a list of text segments, each either
trained or not, encoded separately so a label boundary never falls inside a token:

    prompt/completion:  prompt | completion <eos>                 (trained: completion, eos)

    messages (Kiln's chat template):
        <|system|>\\n  {system}  \\n
        <|user|>\\n    {user}    \\n
        <|assistant|>\\n {assistant} <eos>                        (trained: assistant, eos)
        ... further turns in order

The role headers are plain text, not special tokens, so any tokenizer can use the template.
`encode_chat_prompt` encodes a conversation the same way, ending with an open assistant header,
for sampling.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

IGNORE = -100  # label of tokens the loss skips


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]  # same length as input_ids; IGNORE on untrained tokens
    difficulty: float | None = None  # the record's numeric "difficulty" field, if any (curricula)

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass
class TokenizeStats:
    records: int = 0
    examples: int = 0
    truncated: int = 0  # longer than max_seq_len, cut at the end
    dropped: int = 0  # nothing left to train on after truncation
    tokens: int = 0  # total tokens in the kept examples
    trained_tokens: int = 0  # of which carry a label

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Segments:
    texts: list[str] = field(default_factory=list)
    trained: list[bool] = field(default_factory=list)
    eos_after: list[bool] = field(default_factory=list)  # append a trained eos after this one

    def add(self, text: str, trained: bool, eos: bool = False) -> None:
        self.texts.append(text)
        self.trained.append(trained)
        self.eos_after.append(eos)


def _header(role: str) -> str:
    return f"<|{role}|>\n"


def _segments(record: dict) -> _Segments:
    seg = _Segments()
    if "messages" in record:
        for m in record["messages"]:
            seg.add(_header(m["role"]), False)
            if m["role"] == "assistant":
                seg.add(m["content"], True, eos=True)
            else:
                seg.add(m["content"], False)
                seg.add("\n", False)
    else:
        seg.add(record["prompt"], False)
        seg.add(record["completion"], True, eos=True)
    return seg


def _encode_batch(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    # One batched call: the Rust tokenizer encodes the list in parallel, far faster than a loop.
    return tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []


def tokenize_sft(records: Iterable[dict], tokenizer: Any, max_seq_len: int) -> tuple[list[Example], TokenizeStats]:
    """Validated sft records -> Examples of at most max_seq_len tokens, plus counts."""
    eos = int(tokenizer.eos_token_id)
    records = list(records)  # read twice: the segments, then the difficulty fields
    per_record = [_segments(r) for r in records]
    flat = [t for s in per_record for t in s.texts]
    encoded = iter(_encode_batch(tokenizer, flat))
    stats = TokenizeStats(records=len(per_record))
    examples: list[Example] = []
    for record, seg in zip(records, per_record, strict=True):
        ids: list[int] = []
        labels: list[int] = []
        for trained, eos_after in zip(seg.trained, seg.eos_after, strict=True):
            piece = next(encoded)
            ids.extend(piece)
            labels.extend(piece if trained else [IGNORE] * len(piece))
            if eos_after:
                ids.append(eos)
                labels.append(eos)
        if len(ids) > max_seq_len:
            stats.truncated += 1
            ids, labels = ids[:max_seq_len], labels[:max_seq_len]
        # labels[0] is never a target (nothing precedes it), so it does not count.
        n_trained = sum(1 for t in labels[1:] if t != IGNORE)
        if n_trained == 0:
            stats.dropped += 1
            continue
        difficulty = record.get("difficulty")
        if isinstance(difficulty, bool) or not isinstance(difficulty, int | float):
            difficulty = None
        examples.append(Example(ids, labels, difficulty))
        stats.tokens += len(ids)
        stats.trained_tokens += n_trained
    stats.examples = len(examples)
    return examples, stats


def encode_chat_prompt(messages: Sequence[dict], tokenizer: Any) -> list[int]:
    """Token ids of a conversation followed by an open assistant header, as trained above."""
    seg = _segments({"messages": list(messages)})
    seg.add(_header("assistant"), False)
    eos = int(tokenizer.eos_token_id)
    ids: list[int] = []
    for piece, eos_after in zip(_encode_batch(tokenizer, seg.texts), seg.eos_after, strict=True):
        ids.extend(piece)
        if eos_after:
            ids.append(eos)
    return ids
