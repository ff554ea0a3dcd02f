"""ModelService request checks (pure)."""

from __future__ import annotations

import pytest

from kiln.v1 import models_pb2
from kiln_server.models.spec import FAMILIES, TARGETS, parse_deploy
from kiln_server.platform.errors import InvalidArgument


def test_deploy_requests():
    spec = parse_deploy(models_pb2.DeployModelRequest(name="models/m-1", target=models_pb2.DEPLOYMENT_TARGET_TRITON))
    assert (spec.target, spec.replicas, spec.min_replicas, spec.max_replicas) == ("TRITON", 1, 0, 0)
    bad = models_pb2.DeployModelRequest(name="m", replicas=100, min_replicas=3, max_replicas=2)
    with pytest.raises(InvalidArgument) as err:
        parse_deploy(bad)
    assert [v.field for v in err.value.violations] == ["target", "replicas", "min_replicas"]
    with pytest.raises(InvalidArgument) as err:
        parse_deploy(models_pb2.DeployModelRequest(target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE, min_replicas=1))
    assert [v.field for v in err.value.violations] == ["max_replicas"]


def test_enum_names_come_from_the_proto():
    assert TARGETS == {
        models_pb2.DEPLOYMENT_TARGET_RAY_SERVE: "RAY_SERVE",
        models_pb2.DEPLOYMENT_TARGET_TRITON: "TRITON",
    }
    assert set(FAMILIES.values()) == {"causal_lm", "reward_model", "image"}
