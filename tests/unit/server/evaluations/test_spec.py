"""CreateEvaluation's plan: validation against real stores, the reuse key, the stored payload."""

from __future__ import annotations

import json

import pytest

from kiln.v1 import evaluation_pb2 as E
from kiln.v1 import sampling_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.evaluations.spec import EvaluationPlan, build_plan
from kiln_server.models.ref import ModelRef, ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.errors import InvalidArgument, NotFound
from tests.unit.server.evaluations.records import plan
from tests.unit.server.records import add_dataset, model_record


@pytest.fixture
async def env(redis_client, keys):
    datasets, models = DatasetStore(redis_client, keys), ModelStore(redis_client, keys)
    for fmt in ("sft", "preference", "prompts"):
        await add_dataset(datasets, f"d-{fmt}", fmt)
    await models.create("t", model_record("m-lm"))
    await models.create("t", model_record("m-rm", "reward_model"))
    return datasets, ModelResolver(models)


def evaluation(dataset: str = "datasets/d-sft", **fields) -> E.Evaluation:
    fields.setdefault("metrics", [E.EVALUATION_METRIC_PERPLEXITY])
    fields.setdefault("model", "kiln-gpt-tiny")
    return E.Evaluation(dataset=dataset, **fields)


async def fields_of(env, ev: E.Evaluation) -> list[str]:
    with pytest.raises(InvalidArgument) as err:
        await build_plan(ev, "t", *env)
    return [v.field for v in err.value.violations]


async def test_shape_and_reference_errors_name_their_fields(env):
    assert await fields_of(env, evaluation(metrics=[])) == ["evaluation.metrics"]
    assert await fields_of(env, evaluation(metrics=[E.EVALUATION_METRIC_WIN_RATE])) == [
        "evaluation.baseline_model",
        "evaluation.reward_model",
    ]
    bad_sampling = evaluation(sampling_params=sampling_pb2.SamplingParams(top_p=0.0))
    assert await fields_of(env, bad_sampling) == ["evaluation.sampling_params.top_p"]
    prefs = evaluation("datasets/d-preference")
    assert await fields_of(env, prefs) == ["evaluation.dataset"]
    perplexity_on_prompts = evaluation("datasets/d-prompts")
    assert await fields_of(env, perplexity_on_prompts) == ["evaluation.dataset"]
    lm_as_reward = evaluation(metrics=[E.EVALUATION_METRIC_MEAN_REWARD], reward_model="models/m-lm")
    assert await fields_of(env, lm_as_reward) == ["evaluation.reward_model"]
    rm_as_model = evaluation(model="models/m-rm")
    assert await fields_of(env, rm_as_model) == ["evaluation.model"]
    for missing in (evaluation(model="models/m-gone"), evaluation("datasets/d-gone"), evaluation(model="gpt-17")):
        with pytest.raises(NotFound):
            await build_plan(missing, "t", *env)


async def test_a_plan_names_the_versions_and_the_dataset_it_measures(env):
    ev = evaluation(
        metrics=[E.EVALUATION_METRIC_MEAN_REWARD, E.EVALUATION_METRIC_PERPLEXITY], reward_model="models/m-rm"
    )
    p = await build_plan(ev, "t", *env)
    assert p.metrics == ["mean_reward", "perplexity"]
    assert p.model == ModelRef.builtin("kiln-gpt-tiny") and p.model.version == "kiln-gpt-tiny@builtin-seed0"
    assert p.reward_model.version == "m-rm@abc" and p.dataset.id == "d-sft" and p.max_records == 1
    assert p.sampling["seed"] == 0  # sampling is always seeded, so results are reusable
    assert EvaluationPlan.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_the_reuse_key_depends_on_what_is_measured_only():
    base = plan()
    assert plan().reuse_key() == base.reuse_key()
    # A model given but not used by any requested metric does not change it...
    assert plan(reference_model=ModelRef.builtin("kiln-gpt-small")).reuse_key() == base.reuse_key()
    # ...but another model version, dataset content, metric or record count does.
    assert plan(model=ModelRef.builtin("kiln-gpt-small")).reuse_key() != base.reuse_key()
    assert plan(metrics=["exact_match"]).reuse_key() != base.reuse_key()
    assert plan(max_records=5).reuse_key() != base.reuse_key()


def test_payloads_stored_before_model_refs_still_read():
    old = {
        "metrics": ["distinct_n"],
        "model": {"kind": "builtin", "name": "kiln-gpt-tiny", "version": "kiln-gpt-tiny@builtin-seed0"},
        "dataset": {"id": "d-1", "rel": "r", "format": "prompts", "format_enum": "3", "sha256": "s", "num_records": 4},
        "baseline_model": None,
        "reward_model": {
            "kind": "model",
            "id": "m-1",
            "rel": "models/t/m-1",
            "version": "m-1@v",
            "family": "reward_model",
        },
        "reference_model": None,
        "sampling": {},
        "max_records": 4,
    }
    p = EvaluationPlan.from_dict(old)
    assert p.reward_model.name == "models/m-1" and p.reward_model.rel == "models/t/m-1"
    assert p.dataset.num_records == 4 and p.model.version == "kiln-gpt-tiny@builtin-seed0"


async def test_image_metrics_need_an_image_model_and_dataset(env, redis_client, keys):
    datasets, resolver = env
    await add_dataset(datasets, "d-img", "image")
    await ModelStore(redis_client, keys).create("t", model_record("m-img", "image"))
    fid = [E.EVALUATION_METRIC_FID, E.EVALUATION_METRIC_CLASS_COVERAGE]
    p = await build_plan(evaluation("datasets/digits", model="models/m-img", metrics=fid), "t", *env)
    assert p.metrics == ["class_coverage", "fid"] and p.dataset.rel == "builtin:digits"
    assert p.max_records == 0  # as many images as the held-out split holds, decided by the worker
    uploaded = await build_plan(
        evaluation("datasets/d-img", model="models/m-img", metrics=fid, max_records=50), "t", *env
    )
    assert uploaded.max_records == 50  # images to generate, not capped by the dataset's size
    # The seed changes generated images, hence FID, but not a VAE's test ELBO.
    seeded = evaluation("datasets/digits", model="models/m-img", sampling_params=sampling_pb2.SamplingParams(seed=3))
    for metrics, same in (([E.EVALUATION_METRIC_FID], False), ([E.EVALUATION_METRIC_TEST_ELBO], True)):
        a = await build_plan(evaluation("datasets/digits", model="models/m-img", metrics=metrics), "t", *env)
        seeded.ClearField("metrics")
        seeded.metrics.extend(metrics)
        b = await build_plan(seeded, "t", *env)
        assert (a.reuse_key() == b.reuse_key()) is same

    assert await fields_of(env, evaluation("datasets/digits", model="kiln-gpt-tiny", metrics=fid)) == [
        "evaluation.model"
    ]
    assert await fields_of(env, evaluation("datasets/d-sft", model="models/m-img", metrics=fid)) == [
        "evaluation.dataset"
    ]
    mixed = evaluation("datasets/digits", model="models/m-img", metrics=[*fid, E.EVALUATION_METRIC_PERPLEXITY])
    assert await fields_of(env, mixed) == ["evaluation.metrics"]
    for few in (3, 10_001):
        too_few = evaluation("datasets/digits", model="models/m-img", metrics=fid, max_records=few)
        assert await fields_of(env, too_few) == ["evaluation.max_records"]
    # ...and the reverse: a text metric on an image model or dataset.
    assert await fields_of(env, evaluation(model="models/m-img")) == ["evaluation.model"]
    assert await fields_of(env, evaluation("datasets/digits")) == ["evaluation.dataset"]
