"""The model registry in Redis; weights live in the artifact store under models/{id}/."""

from __future__ import annotations

from server.store.base import Repository


class ModelStore(Repository):
    kind = "model"

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.model(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.models(tenant)
