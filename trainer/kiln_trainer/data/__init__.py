"""Training data: record formats (torch-free, used by the gateway), tokenization and batching."""

from kiln_trainer.data.formats import FORMATS, RecordError, validate_record

__all__ = ["FORMATS", "RecordError", "validate_record"]
