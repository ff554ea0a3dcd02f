"""Synthetic preference sets whose labels follow a known rule, for testing preference learners.

`sentiment_preferences`: the prompt asks for a review; the chosen completion praises the item and
the rejected one criticises it. Both sides draw their sentence shape from the same templates
independently, so only the sentiment words separate them: a reward model that learns the rule
ranks held-out pairs (new combinations of item, template and words) correctly.
"""

from __future__ import annotations

import random

ITEMS = [
    "coffee",
    "hotel",
    "movie",
    "book",
    "bicycle",
    "phone",
    "restaurant",
    "concert",
    "garden",
    "museum",
    "laptop",
    "jacket",
    "train ride",
    "bakery",
    "camera",
    "game",
    "song",
    "park",
]
POSITIVE = ["great", "wonderful", "excellent", "lovely", "delightful", "fantastic", "superb", "pleasant"]
NEGATIVE = ["awful", "terrible", "boring", "dreadful", "disappointing", "horrible", "poor", "unpleasant"]
PROMPTS = [
    "Write a short review of the {item}.\n",
    "What did you think of the {item}?\n",
    "Describe your experience with the {item}.\n",
]
TEMPLATES = [
    "The {item} was {word}.",
    "I found the {item} {word}, honestly.",
    "Overall a {word} {item}.",
    "My friends said the {item} was {word}, and I agree.",
    "What a {word} {item}!",
]


def sentiment_preferences(n: int, seed: int = 0) -> list[dict]:
    """n records {prompt, chosen, rejected}: chosen is positive, rejected negative."""
    r = random.Random(seed)
    records = []
    for _ in range(n):
        item = r.choice(ITEMS)
        chosen = r.choice(TEMPLATES).format(item=item, word=r.choice(POSITIVE))
        rejected = r.choice(TEMPLATES).format(item=item, word=r.choice(NEGATIVE))
        records.append({"prompt": r.choice(PROMPTS).format(item=item), "chosen": chosen, "rejected": rejected})
    return records


def keyword_preferences(n: int, keyword: str = "please", seed: int = 0) -> list[dict]:
    """n records where the chosen completion contains `keyword` and the rejected one does not;
    otherwise both are drawn from the same sentences."""
    r = random.Random(seed)
    records = []
    for _ in range(n):
        item = r.choice(ITEMS)
        words = POSITIVE + NEGATIVE
        base = r.choice(TEMPLATES).format(item=item, word=r.choice(words))
        other = r.choice(TEMPLATES).format(item=item, word=r.choice(words))
        chosen = f"{keyword.capitalize()}, {base[0].lower()}{base[1:]}" if r.random() < 0.5 else f"{base} {keyword}"
        records.append({"prompt": r.choice(PROMPTS).format(item=item), "chosen": chosen, "rejected": other})
    return records
