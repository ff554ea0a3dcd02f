"""Dataset metadata in Redis; the bytes live in the artifact store under datasets/{id}/."""

from __future__ import annotations

from kiln_server.platform.repository import Repository


class DatasetStore(Repository):
    kind = "dataset"

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.dataset(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.datasets(tenant)
