"""Dataset record -> proto."""

from __future__ import annotations

import json

from kiln.v1 import datasets_pb2
from kiln_server.platform.timestamps import ts


def dataset_proto(r: dict[str, str]) -> datasets_pb2.Dataset:
    return datasets_pb2.Dataset(
        name=f"datasets/{r['id']}",
        display_name=r.get("display_name", ""),
        format=int(r["format_enum"]),
        num_records=int(r["num_records"]),
        size_bytes=int(r["size_bytes"]),
        sha256=r["sha256"],
        create_time=ts(r["create_time"]),
        labels=json.loads(r.get("labels", "{}")),
    )
