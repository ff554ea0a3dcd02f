"""A dataset's registry record: what was uploaded (or exported), where its bytes are, how they check out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class DatasetRecord:
    id: str
    display_name: str
    format: str  # "sft", "preference" or "prompts": the record format every line was checked against
    format_enum: int  # the DatasetFormat number, kept beside the name for older readers
    num_records: int
    size_bytes: int
    sha256: str  # of the stored bytes
    create_time: int  # ms since the epoch
    labels: dict[str, str] = field(default_factory=dict)
    artifact_rel: str  # the JSONL file in the artifact store: datasets/{tenant}/{id}/data.jsonl
    # Set on datasets made by FeedbackService.ExportFeedback: its counters, by response field name.
    feedback_export: dict[str, int] | None = None
