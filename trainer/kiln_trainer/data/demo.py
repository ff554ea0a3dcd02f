"""A deterministic, learnable SFT demo set (`python -m kiln_trainer.data.demo` writes the shipped file).

Four short templated tasks a tiny model picks up within a few hundred steps: small-number
arithmetic, word reversal, capitals from a fixed table, and uppercasing. Prompts end with a
newline and completions are the bare answer, so prompt and answer tokenize independently.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kiln_trainer.models.corpus import WORDS as CORPUS_WORDS

DEMO_SFT_PATH = Path(__file__).parent / "assets" / "demo_sft.jsonl"
DEMO_SIZE = 2000

CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Italy": "Rome",
    "Spain": "Madrid",
    "Germany": "Berlin",
    "Egypt": "Cairo",
    "Canada": "Ottawa",
    "Peru": "Lima",
    "Kenya": "Nairobi",
    "Norway": "Oslo",
    "Greece": "Athens",
    "Chile": "Santiago",
    "Portugal": "Lisbon",
    "Ireland": "Dublin",
    "Poland": "Warsaw",
    "Sweden": "Stockholm",
    "Austria": "Vienna",
    "Cuba": "Havana",
    "Thailand": "Bangkok",
    "Mexico": "Mexico City",
}
# The words of the tokenizer corpus's templates, and a few more.
WORDS = [
    *CORPUS_WORDS,
    "cloud",
    "stone",
    "music",
    "paper",
    "horse",
    "bread",
    "light",
    "water",
    "green",
    "house",
]


def _arithmetic(r: random.Random) -> dict:
    a, b = r.randint(0, 20), r.randint(0, 20)
    if r.random() < 0.5:
        return {"prompt": f"What is {a} plus {b}?\n", "completion": str(a + b)}
    a, b = max(a, b), min(a, b)  # keep answers non-negative
    return {"prompt": f"What is {a} minus {b}?\n", "completion": str(a - b)}


def _reverse(r: random.Random) -> dict:
    word = r.choice(WORDS)
    return {"prompt": f"Reverse the word: {word}\n", "completion": word[::-1]}


def _capital(r: random.Random) -> dict:
    country = r.choice(sorted(CAPITALS))
    return {"prompt": f"What is the capital of {country}?\n", "completion": CAPITALS[country]}


def _uppercase(r: random.Random) -> dict:
    words = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))
    return {"prompt": f"Convert to uppercase: {words}\n", "completion": words.upper()}


TASKS = (_arithmetic, _reverse, _capital, _uppercase)


def demo_sft_records(n: int = DEMO_SIZE, seed: int = 0) -> list[dict]:
    r = random.Random(seed)
    return [r.choice(TASKS)(r) for _ in range(n)]


def write_jsonl(records: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main() -> None:
    write_jsonl(demo_sft_records(), DEMO_SFT_PATH)
    print(f"wrote {DEMO_SFT_PATH} ({DEMO_SIZE} records)")


if __name__ == "__main__":
    main()
