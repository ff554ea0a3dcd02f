"""The model registry in Redis; weights live in the artifact store under models/{tenant}/{id}/.

Models are registered by a job's worker (atomically with the job's SUCCEEDED transition, on the
worker's sync pipeline: `stage_register`) and by ExportModel (idempotently: `create`); both write
the hash through this store's codec.
"""

from __future__ import annotations

from typing import Any

from kiln_server.models.record import ModelRecord
from kiln_server.platform.hashes import HashCodec
from kiln_server.platform.keys import Keys
from kiln_server.platform.repository import Repository


class ModelStore(Repository[ModelRecord]):
    kind = "model"
    codec = HashCodec(ModelRecord)

    def record_key(self, tenant: str, rid: str) -> str:
        return self.keys.model(tenant, rid)

    def index_key(self, tenant: str) -> str:
        return self.keys.models(tenant)

    @classmethod
    def stage_register(cls, pipe: Any, keys: Keys, tenant: str, model: ModelRecord) -> None:
        """Queues the commands that register `model` on `pipe`, a sync or async Redis pipeline
        in MULTI mode, for a caller whose other writes must commit with it."""
        pipe.hset(keys.model(tenant, model.id), mapping=cls.codec.to_hash(model))
        pipe.zadd(keys.models(tenant), {model.id: model.create_time})
