"""Milliseconds since the epoch (how records store times) <-> google.protobuf.Timestamp."""

from __future__ import annotations

from google.protobuf import timestamp_pb2


def ts(ms: str | int | None) -> timestamp_pb2.Timestamp | None:
    if not ms:
        return None
    t = timestamp_pb2.Timestamp()
    t.FromMilliseconds(int(ms))
    return t
