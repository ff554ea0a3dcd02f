"""The one model resolver and the ModelRef it returns."""

from __future__ import annotations

import json
import uuid

import pytest

from kiln_server.models.ref import BUILTIN_REVISION, ModelKind, ModelRef, ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import InvalidArgument, NotFound
from tests.unit.server.records import model_record as record


@pytest.fixture
async def resolver(redis_client, keys) -> ModelResolver:
    models = ModelStore(redis_client, keys)
    await models.create("t", record("m-1", "reward_model"))
    return ModelResolver(models)


async def test_builtin_registered_and_local_names(resolver, tmp_path):
    builtin = await resolver.resolve("t", "kiln-gpt-tiny", "model")
    assert builtin == ModelRef(ModelKind.BUILTIN, "kiln-gpt-tiny", f"kiln-gpt-tiny@{BUILTIN_REVISION}")
    assert builtin.model_id == "kiln-gpt-tiny" and builtin.record is None
    registered = await resolver.resolve("t", "models/m-1", "model")
    assert (registered.id, registered.version, registered.family) == ("m-1", "m-1@abc", "reward_model")
    assert registered.model_id == "m-1" and registered.record == record("m-1", "reward_model")
    model = tmp_path / "shared" / "m"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"w")
    shared = ModelResolver(resolver.models, (tmp_path / "shared",))
    local = await shared.resolve("t", str(model), "job.base_model", local_dirs=True)
    assert local == ModelRef(ModelKind.PATH, str(model))
    # Without the operator's allowlist no path is a model, not even that one.
    with pytest.raises(InvalidArgument) as err:
        await resolver.resolve("t", str(model), "job.base_model", local_dirs=True)
    assert err.value.violations[0].field == "job.base_model"


async def test_errors_name_the_request_field(resolver, tmp_path):
    with pytest.raises(NotFound):
        await resolver.resolve("t", "models/m-2", "job.base_model")
    with pytest.raises(NotFound):
        await resolver.resolve("other-tenant", "models/m-1", "job.base_model")
    with pytest.raises(NotFound, match="job.base_model"):
        await resolver.resolve("t", "gpt-17-ultra", "job.base_model")
    (tmp_path / "shared" / "empty").mkdir(parents=True)
    shared = ModelResolver(resolver.models, (tmp_path / "shared",))
    with pytest.raises(NotFound):  # a directory is not a model without config.json and weights
        await shared.resolve("t", str(tmp_path / "shared" / "empty"), "job.base_model", local_dirs=True)
    with pytest.raises(InvalidArgument):  # and paths are only for those who allow them
        await shared.resolve("t", str(tmp_path / "shared" / "empty"), "evaluation.model")
    with pytest.raises(InvalidArgument, match="not a model name"):
        await resolver.resolve("t", "x" * 100_000, "job.base_model", local_dirs=True)
    with pytest.raises(InvalidArgument) as err:
        await resolver.resolve("t", "models/BAD", "evaluation.model")
    assert err.value.violations[0].field == "evaluation.model"
    # Where only registry names make sense, a name with a "/" is a (malformed) resource name, and an
    # unknown bare name is a base model that does not exist: NOT_FOUND listing the built-ins.
    with pytest.raises(InvalidArgument) as err:
        await resolver.resolve("t", "jobs/j-1", "model", registry_names=True)
    assert err.value.violations[0].field == "model"
    with pytest.raises(NotFound, match="kiln-gpt-tiny"):
        await resolver.resolve("t", "gpt-17-ultra", "model", registry_names=True)


def test_refs_round_trip_and_payloads_written_before_them_still_read():
    ref = ModelRef.registered(record())
    back = ModelRef.from_dict(json.loads(json.dumps(ref.to_dict())))
    assert back == ref and back.record is None  # the record is not part of a stored payload
    assert ModelRef.from_dict({"kind": "builtin", "name": "kiln-gpt-tiny"}) == ModelRef.builtin("kiln-gpt-tiny")
    assert ModelRef.from_dict({"kind": "path", "path": "/m"}) == ModelRef(ModelKind.PATH, "/m")
    old = ModelRef.from_dict({"kind": "model", "id": "m-1", "rel": "models/t/m-1"})
    assert (old.name, old.id, old.rel, old.family) == ("models/m-1", "m-1", "models/t/m-1", "causal_lm")


def test_where_a_model_is_opened(tmp_path):
    local = ArtifactStore(str(tmp_path / "a"))
    remote = ArtifactStore(f"memory://kiln-{uuid.uuid4().hex[:8]}")
    src = tmp_path / "w"
    src.mkdir()
    (src / "config.json").write_text("{}")
    remote.put_dir(src, "models/t/m-1")
    ref = ModelRef.registered(record())
    assert ModelRef.builtin("kiln-gpt-tiny").local_path(remote) == "kiln-gpt-tiny"
    assert ref.local_path(local) == str(tmp_path / "a" / "models/t/m-1")
    assert ref.local_path(remote) is None
    fetched = ref.fetch(remote, tmp_path / "fetched")
    assert (tmp_path / "fetched" / "config.json").is_file() and fetched == str(tmp_path / "fetched")
