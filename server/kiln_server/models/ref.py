"""Model references: what a model name in a request points at, resolved one way for every caller.

A request names a model as a built-in ("kiln-gpt-tiny"), a registered model ("models/{id}"), or,
where jobs allow it, an absolute path to a model directory under one of the operator's shared
model directories (KILN_SHARED_MODEL_DIRS, none by default). Any other server path is refused:
tenants share the server's filesystem, so a path is a way around the per-tenant registry (e.g.
into another tenant's artifacts). `ModelResolver.resolve` turns
the name into a `ModelRef` (or the error naming the request field); jobs, evaluations, sampling,
deployments and exports all go through it. A ModelRef is plain data: it is stored inside job and
evaluation payloads (`to_dict` / `from_dict`) and turned into something a loader opens on the
machine that needs it (`local_path`, `fetch`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiln_server.models.record import ModelRecord
from kiln_server.models.store import ModelStore
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import InvalidArgument, NotFound
from kiln_trainer.models.registry import BUILTIN_MODELS, looks_like_model_dir

# Built-in weights are a pure function of (architecture, init seed): this names them.
BUILTIN_REVISION = "builtin-seed0"
# What a base-model name can look like; anything else where a registry name is expected is a
# malformed resource name (INVALID_ARGUMENT), not an unknown model (NOT_FOUND).
_BASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ModelKind(StrEnum):
    BUILTIN = "builtin"
    REGISTERED = "model"
    PATH = "path"


@dataclass(frozen=True)
class ModelRef:
    kind: ModelKind
    name: str  # as the request named it: "kiln-gpt-tiny", "models/{id}" or "/abs/model/dir"
    version: str = ""  # what results and caches are keyed by; "" for a local directory
    family: str = "causal_lm"  # ModelFamily, lower case
    id: str = ""  # a registered model's id
    rel: str = ""  # a registered model's weights directory in the artifact store
    record: ModelRecord | None = field(default=None, compare=False, repr=False)  # registered models

    @classmethod
    def builtin(cls, name: str) -> ModelRef:
        return cls(ModelKind.BUILTIN, name, f"{name}@{BUILTIN_REVISION}")

    @classmethod
    def registered(cls, record: ModelRecord) -> ModelRef:
        return cls(
            ModelKind.REGISTERED,
            f"models/{record.id}",
            record.version,
            record.family,
            record.id,
            record.artifact_rel,
            record,
        )

    @property
    def model_id(self) -> str:
        """The key deployments are stored under: the registry id, or the built-in name."""
        return self.id or self.name

    def local_path(self, artifacts: ArtifactStore) -> str | None:
        """What a loader opens on this machine: the built-in name, the directory, or the registered
        weights' directory when the artifact store is local; None when they are only remote."""
        if self.kind != ModelKind.REGISTERED:
            return self.name
        local = artifacts.local_path(self.rel)
        return str(local) if local is not None else None

    def fetch(self, artifacts: ArtifactStore, dest: Path) -> str:
        """`local_path`, copying remote weights to `dest` first (on a worker)."""
        local = self.local_path(artifacts)
        return local if local is not None else str(artifacts.get_dir(self.rel, dest))

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": str(self.kind),
            "name": self.name,
            "version": self.version,
            "family": self.family,
            "id": self.id,
            "rel": self.rel,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelRef:
        """Also reads the shapes payloads had before ModelRef: {kind: builtin, name},
        {kind: path, path} and {kind: model, id, rel[, version, family]}."""
        kind = ModelKind(d["kind"])
        name = d.get("name") or d.get("path") or f"models/{d['id']}"
        if kind == ModelKind.BUILTIN and not d.get("version"):
            return cls.builtin(name)
        return cls(kind, name, d.get("version", ""), d.get("family") or "causal_lm", d.get("id", ""), d.get("rel", ""))


MAX_PATH_CHARS = 1024


def under_shared_dirs(name: str, shared_dirs: tuple[Path, ...]) -> Path | None:
    """`name`'s real path (symlinks and ".." resolved) when it lies strictly inside one of
    `shared_dirs` (themselves resolved); None otherwise."""
    if not shared_dirs or not os.path.isabs(name) or len(name) > MAX_PATH_CHARS or "\0" in name:
        return None
    real = Path(os.path.realpath(name))
    for root in shared_dirs:
        base = Path(os.path.realpath(root))
        if real != base and real.is_relative_to(base):
            return real
    return None


class ModelResolver:
    def __init__(self, models: ModelStore, shared_dirs: tuple[Path, ...] | list[Path] = ()):
        self.models = models
        self.shared_dirs = tuple(Path(d) for d in shared_dirs)

    async def resolve(
        self, tenant: str, name: str, field: str, *, local_dirs: bool = False, registry_names: bool = False
    ) -> ModelRef:
        """The model `name` (from request field `field`) refers to, for `tenant`.

        NOT_FOUND for a registered model the tenant does not have and for an unknown name;
        INVALID_ARGUMENT (naming `field`) for a malformed "models/..." name. `local_dirs` also
        accepts an absolute path to a local model directory (jobs). `registry_names` makes any
        name that cannot be a base-model name a registry name, so a malformed one is
        INVALID_ARGUMENT, as in the RPCs that take resource names (sampling, ModelService); an
        unknown bare name is NOT_FOUND listing the built-ins.
        """
        if name in BUILTIN_MODELS:
            return ModelRef.builtin(name)
        if name.startswith("models/") or (registry_names and not _BASE_NAME.match(name)):
            record = await self.models.get(tenant, names.parse(name, "models", field))
            if record is None:
                raise NotFound("model", name)
            return ModelRef.registered(record)
        if _looks_like_path(name):
            real = under_shared_dirs(name, self.shared_dirs) if local_dirs else None
            if real is None:
                where = "" if not local_dirs or not self.shared_dirs else " outside the shared model directories"
                raise InvalidArgument.field(
                    field,
                    f"server paths{where} are not accepted: name a built-in, a registered 'models/<id>'"
                    + (", or a directory under the operator's shared model directories" if self.shared_dirs else ""),
                )
            if not looks_like_model_dir(real):
                raise NotFound("model", name, f"no Hugging Face model directory (config.json + weights) at {name}")
            # The resolved path, so a symlink swapped in later cannot redirect the job.
            return ModelRef(ModelKind.PATH, str(real))
        if not _BASE_NAME.match(name):
            raise InvalidArgument.field(field, f"not a model name: {name!r}")
        forms = f"a built-in ({', '.join(sorted(BUILTIN_MODELS))}), 'models/<id>'"
        if local_dirs and self.shared_dirs:
            forms += ", or a model directory under the operator's shared model directories"
        raise NotFound("model", name, f"unknown model {name!r} in {field}: use {forms}")


def _looks_like_path(name: str) -> bool:
    """Absolute, home-relative or relative filesystem paths ("/x", "~/x", "./x", "../x", "a/b"
    that is not a registry name): whatever a loader would open as a directory."""
    return (
        os.path.isabs(name)
        or name.startswith(("~", "./", "../", "."))
        or ("/" in name and not name.startswith("models/"))
        or "\\" in name
    )
