"""The model registry in Redis; weights live in the artifact store under models/{id}/."""

from __future__ import annotations

from kiln_server.platform.repository import Repository


class ModelStore(Repository):
    kind = "model"

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.model(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.models(tenant)
