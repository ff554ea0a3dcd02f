"""The CLI's choices come from the proto enums: every settable value is offered, and each maps back
to its number; the install script and the CLI's hint name the same tritonserver package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiln.messages import short_name
from kiln.v1 import datasets_pb2, evaluation_pb2, feedback_pb2, jobs_pb2, models_pb2
from kiln_server.cli import choices
from kiln_server.cli.errors import TRITON_PACKAGE

REPO = Path(__file__).resolve().parents[4]

CASES = [
    (choices.DatasetFormat, datasets_pb2.DatasetFormat.DESCRIPTOR, {}),
    (choices.Method, jobs_pb2.JobMethod.DESCRIPTOR, {}),
    (choices.JobState, jobs_pb2.JobState.DESCRIPTOR, {}),
    (choices.DeployTarget, models_pb2.DeploymentTarget.DESCRIPTOR, {"ray_serve": "ray-serve"}),
    (choices.Quantization, models_pb2.Quantization.DESCRIPTOR, {}),
    (choices.ExportKind, feedback_pb2.FeedbackExportKind.DESCRIPTOR, {"preference_pairs": "pairs"}),
    (choices.TieHandling, feedback_pb2.TieHandling.DESCRIPTOR, {}),
    (choices.Metric, evaluation_pb2.EvaluationMetric.DESCRIPTOR, {}),
    (choices.EvalState, evaluation_pb2.EvaluationState.DESCRIPTOR, {}),
]


@pytest.mark.parametrize(("enum", "descriptor", "spelled"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_every_proto_value_is_a_choice(enum, descriptor, spelled):
    for value in descriptor.values:
        if value.number == 0:
            continue
        word = short_name(descriptor, value.number)
        member = enum(spelled.get(word, word))
        assert choices.number(member) == value.number


def test_unset_is_a_choice_only_where_it_means_something():
    assert choices.number(choices.Quantization("none")) == models_pb2.QUANTIZATION_UNSPECIFIED
    assert [m.value for m in choices.Method][0] == "sft"
    with pytest.raises(ValueError):
        choices.Method("unspecified")


def test_install_script_pins_the_package_the_cli_names():
    script = (REPO / "scripts" / "install.sh").read_text()
    assert re.search(rf"--no-deps\s+{re.escape(TRITON_PACKAGE)}\b", script), TRITON_PACKAGE
