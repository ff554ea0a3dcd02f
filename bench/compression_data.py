"""The records bench.compression trains and scores on: four templated tasks, several phrasings each.

Why not the shipped demo set: its 2,000 records hold only ~740 distinct ones, so a held-out tail
is mostly copies of training records and its perplexity measures memorisation. Here every task
has training phrasings and one phrasing never trained on, and the splits are deduplicated:

- train: records under the training phrasings;
- val: new records (prompts absent from train) under the training phrasings; the teacher's
  early stopping watches its loss;
- test: more new records under the training phrasings (absent from train and val): the
  held-out perplexity and exact match;
- unseen: records under the held-out phrasings only (every prompt is new by construction):
  exact match and perplexity on prompt templates not seen in training.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from kiln_trainer.data.demo import CAPITALS, WORDS

Task = Callable[[random.Random], tuple[dict[str, str], str]]  # -> (slots, completion)

# Per task: (training phrasings, the held-out phrasing). Slots are filled by the task's sampler.
TEMPLATES: dict[str, tuple[tuple[str, ...], str]] = {
    "add": (("What is {a} plus {b}?\n", "Add {a} and {b}.\n", "{a} + {b} =\n"), "What is the sum of {a} and {b}?\n"),
    "sub": (("What is {a} minus {b}?\n", "Subtract {b} from {a}.\n", "{a} - {b} =\n"), "What is {a} take away {b}?\n"),
    "reverse": (
        ("Reverse the word: {w}\n", "Write {w} backwards.\n", "Spell {w} in reverse.\n"),
        "Reverse this word: {w}\n",
    ),
    "upper": (
        ("Convert to uppercase: {w}\n", "Uppercase: {w}\n", "Write in capitals: {w}\n"),
        "Convert this to uppercase: {w}\n",
    ),
    "capital": (
        ("What is the capital of {c}?\n", "Capital of {c}:\n", "Name the capital of {c}.\n"),
        "Which city is the capital of {c}?\n",
    ),
}


def _add(r: random.Random) -> tuple[dict[str, str], str]:
    a, b = r.randint(0, 50), r.randint(0, 50)
    return {"a": str(a), "b": str(b)}, str(a + b)


def _sub(r: random.Random) -> tuple[dict[str, str], str]:
    a, b = r.randint(0, 50), r.randint(0, 50)
    a, b = max(a, b), min(a, b)  # answers stay non-negative
    return {"a": str(a), "b": str(b)}, str(a - b)


def _reverse(r: random.Random) -> tuple[dict[str, str], str]:
    w = r.choice(WORDS)
    return {"w": w}, w[::-1]


def _upper(r: random.Random) -> tuple[dict[str, str], str]:
    w = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
    return {"w": w}, w.upper()


def _capital(r: random.Random) -> tuple[dict[str, str], str]:
    c = r.choice(sorted(CAPITALS))
    return {"c": c}, CAPITALS[c]


TASKS: dict[str, Task] = {"add": _add, "sub": _sub, "reverse": _reverse, "upper": _upper, "capital": _capital}


def _draw(r: random.Random, unseen: bool) -> dict[str, str]:
    task = r.choice(sorted(TASKS))
    slots, completion = TASKS[task](r)
    seen, held = TEMPLATES[task]
    template = held if unseen else r.choice(seen)
    return {"prompt": template.format(**slots), "completion": completion}


def _distinct(r: random.Random, n: int, unseen: bool, taken: set[str], tries: int = 200_000) -> list[dict[str, str]]:
    """n records whose prompts are not in `taken` nor repeated (prompts are added to `taken`)."""
    out: list[dict[str, str]] = []
    for _ in range(tries):
        if len(out) == n:
            return out
        rec = _draw(r, unseen)
        if rec["prompt"] not in taken:
            taken.add(rec["prompt"])
            out.append(rec)
    raise ValueError(f"only {len(out)} distinct records of {n} asked for: the templates are exhausted")


def splits(n_train: int, n_val: int, n_test: int, n_unseen: int, seed: int = 0) -> dict[str, list[dict[str, str]]]:
    """The four splits described above. Training records may repeat (capitals do: 20 countries
    under 3 phrasings); no val, test or unseen prompt occurs in train or in another split."""
    r = random.Random(seed)
    train = [_draw(r, unseen=False) for _ in range(n_train)]
    taken = {rec["prompt"] for rec in train}
    val = _distinct(r, n_val, False, taken)
    test = _distinct(r, n_test, False, taken)
    unseen = _distinct(r, n_unseen, True, taken)
    return {"train": train, "val": val, "test": test, "unseen": unseen}
