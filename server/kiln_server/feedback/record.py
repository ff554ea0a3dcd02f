"""One stored piece of feedback: an entry of the tenant's feedback stream (FeedbackStore owns its encoding)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FeedbackRecord:
    """What was judged and how, with what list filters and exports need copied in (so an export
    still works after the judged samples' TTL)."""

    feedback_id: str
    kind: str  # "rating", "thumbs", "preference" or "correction"
    signal: dict  # the kind's fields as given, e.g. {"up": True}
    sample_id: str = ""
    comment: str = ""
    tags: list[str] = field(default_factory=list)
    user_id: str = ""
    source: str = ""
    model: str = ""  # the judged sample's model (a preference: its chosen sample's)
    models: list[str] = field(default_factory=list)  # every model whose sample is judged
    prompt: str = ""
    text: str = ""  # the judged sample's completion (rating, thumbs, correction)
    chosen_text: str = ""  # preference: the better completion, from its sample or as given
    rejected_text: str = ""
    # Set when read back: the Redis stream entry id, whose first part is the store time in ms.
    entry_id: str = ""

    @property
    def create_ms(self) -> int:
        return int(self.entry_id.split("-")[0]) if self.entry_id else 0
