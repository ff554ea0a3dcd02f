"""Dataset metadata in Redis; the bytes live in the artifact store under datasets/{tenant}/{id}/."""

from __future__ import annotations

from kiln_server.datasets.builtin import builtin_record, is_builtin
from kiln_server.datasets.record import DatasetRecord
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.repository import Repository


class DatasetStore(Repository[DatasetRecord]):
    kind = "dataset"
    codec = HashCodec(DatasetRecord)

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.dataset(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.datasets(tenant)

    async def get(self, tenant: str, rid: str) -> DatasetRecord | None:
        """A stored dataset, or a built-in one (same record for every tenant)."""
        if is_builtin(rid):
            return builtin_record(rid)
        return await super().get(tenant, rid)
