"""Every RPC of every service, called by tenant B with tenant A's ids, names and paths.

The walk is complete by construction: the RPCs come from the generated modules' service
descriptors, and a test fails when one of them has no row in CASES, so a new RPC cannot ship
without its isolation case. Each row builds B's request from A's resources and says what B may
get: NOT_FOUND or PERMISSION_DENIED (never A's resource, never INTERNAL or UNKNOWN), or, for
calls that list or create within B's own tenant, OK with nothing of A's in the answer.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.message import Message

import kiln.v1
from kiln.v1 import (
    admin_pb2,
    datasets_pb2,
    evaluation_pb2,
    feedback_pb2,
    jobs_pb2,
    models_pb2,
    rewards_pb2,
    sampling_pb2,
    sweeps_pb2,
)
from kiln_server.sampling.record import SampleRecord
from kiln_server.sampling.samples import SampleStore
from kiln_server.tenants.quotas import QuotaStore
from tests.e2e.conftest import Gateway, Tenant, demo_records, sft_job, upload_stream

pytestmark = pytest.mark.slow

DENIED = frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED})
# A server path is refused as a path (INVALID_ARGUMENT naming the field) before any lookup.
DENIED_PATH = DENIED | {grpc.StatusCode.INVALID_ARGUMENT}
OWN = frozenset({grpc.StatusCode.OK})  # acts on B's own tenant; A's data must not show


def all_rpcs() -> dict[str, Any]:
    """ "Service/Method" -> MethodDescriptor, for every service of every generated kiln.v1 module."""
    out = {}
    for info in pkgutil.iter_modules(kiln.v1.__path__):
        if not info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"kiln.v1.{info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                out[f"{service.name}/{method.name}"] = method
    return out


@dataclass
class World:
    """Tenant A's resources (bare ids and names) and the two tenants."""

    a: Tenant
    b: Tenant
    dataset: str
    job: str
    model: str
    model_path: str  # the server-side directory of A's model weights
    evaluation: str
    sweep: str
    sample: str
    feedback: str
    request_id: str  # one A used for its upload
    b_dataset: str = ""  # B's own dataset, so B's jobs get past their dataset check

    def secrets(self) -> list[str]:
        """What must never appear in an answer B gets (bare ids: names and URIs contain them)."""
        return [
            n.split("/", 1)[1]
            for n in (self.dataset, self.job, self.model, self.evaluation, self.sweep, self.sample, self.feedback)
        ]


@dataclass(frozen=True)
class Case:
    request: Callable[[World], Any]  # a message, or for client streams a list of messages
    allowed: frozenset = DENIED
    # For streams that answer each request with its own status (StreamFeedback's acks): the
    # per-item codes, which then stand for the call's.
    item_codes: Callable[[list], list[int]] | None = None


def _job(w: World, dataset: str = "", **kw) -> jobs_pb2.Job:
    return sft_job(dataset or w.dataset, **kw)


def _b_job(w: World, **fields: str) -> jobs_pb2.CreateJobRequest:
    """B's own job on B's own dataset, with one field naming something of A's."""
    job = sft_job(w.b_dataset)
    for name, value in fields.items():
        setattr(job, name, value)
    return jobs_pb2.CreateJobRequest(job=job)


def _feedback(w: World) -> feedback_pb2.SubmitFeedbackRequest:
    return feedback_pb2.SubmitFeedbackRequest(
        feedback=feedback_pb2.Feedback(sample_id=w.sample, thumbs=feedback_pb2.Thumbs(up=True))
    )


def _sweep(w: World) -> sweeps_pb2.Sweep:
    return sweeps_pb2.Sweep(
        template=_job(w, dataset=w.dataset),
        parameters=[
            sweeps_pb2.SearchParameter(
                target="hyperparameters.learning_rate", float_range=sweeps_pb2.FloatRange(low=1e-4, high=1e-2)
            )
        ],
        objectives=[sweeps_pb2.Objective(metric="val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE)],
        budget=sweeps_pb2.SweepBudget(max_trials=2, max_concurrent_trials=1),
    )


A = admin_pb2
CASES: dict[str, Case] = {
    # B holds a member key: no admin call, on A or anyone, gets through.
    "AdminService/CreateTenant": Case(lambda w: A.CreateTenantRequest(tenant_id=w.a.name + "x")),
    "AdminService/ListTenants": Case(lambda w: A.ListTenantsRequest()),
    "AdminService/DeleteTenant": Case(lambda w: A.DeleteTenantRequest(name=f"tenants/{w.a.name}")),
    "AdminService/CreateApiKey": Case(lambda w: A.CreateApiKeyRequest(parent=f"tenants/{w.a.name}")),
    "AdminService/ListApiKeys": Case(lambda w: A.ListApiKeysRequest(parent=f"tenants/{w.a.name}")),
    "AdminService/RevokeApiKey": Case(
        lambda w: A.RevokeApiKeyRequest(name=f"tenants/{w.a.name}/keys/{w.a.key.split('_')[1]}")
    ),
    "AdminService/RotateApiKey": Case(
        lambda w: A.RotateApiKeyRequest(name=f"tenants/{w.a.name}/keys/{w.a.key.split('_')[1]}")
    ),
    "AdminService/MapClientCertificate": Case(
        lambda w: A.MapClientCertificateRequest(
            mapping=A.ClientCertificateMapping(subject="CN=b", tenant=f"tenants/{w.a.name}")
        )
    ),
    "AdminService/UnmapClientCertificate": Case(lambda w: A.UnmapClientCertificateRequest(subject="CN=a")),
    "AdminService/GetQuotas": Case(lambda w: A.GetQuotasRequest(name=f"tenants/{w.a.name}")),
    "AdminService/SetQuotas": Case(
        lambda w: A.SetQuotasRequest(name=f"tenants/{w.a.name}", quotas=A.Quotas(running_jobs=9))
    ),
    "AdminService/ListAuditEvents": Case(lambda w: A.ListAuditEventsRequest(tenant=f"tenants/{w.a.name}")),
    # Datasets.
    "DatasetService/UploadDataset": Case(
        # A's request_id: B gets a dataset of its own, never A's back.
        lambda w: list(_upload_messages(w.request_id)),
        OWN,
    ),
    "DatasetService/GetDataset": Case(lambda w: datasets_pb2.GetDatasetRequest(name=w.dataset)),
    "DatasetService/ListDatasets": Case(lambda w: datasets_pb2.ListDatasetsRequest(), OWN),
    "DatasetService/DeleteDataset": Case(lambda w: datasets_pb2.DeleteDatasetRequest(name=w.dataset)),
    # Evaluations.
    "EvaluationService/CreateEvaluation": Case(
        lambda w: evaluation_pb2.CreateEvaluationRequest(
            evaluation=evaluation_pb2.Evaluation(
                model=w.model, dataset=w.dataset, metrics=[evaluation_pb2.EVALUATION_METRIC_PERPLEXITY]
            )
        )
    ),
    "EvaluationService/GetEvaluation": Case(lambda w: evaluation_pb2.GetEvaluationRequest(name=w.evaluation)),
    "EvaluationService/ListEvaluations": Case(lambda w: evaluation_pb2.ListEvaluationsRequest(model=w.model), OWN),
    "EvaluationService/WatchEvaluation": Case(lambda w: evaluation_pb2.WatchEvaluationRequest(name=w.evaluation)),
    # Feedback: on A's sample.
    "FeedbackService/SubmitFeedback": Case(_feedback),
    "FeedbackService/StreamFeedback": Case(lambda w: [_feedback(w)], item_codes=lambda acks: [a.code for a in acks]),
    "FeedbackService/ListFeedback": Case(
        lambda w: feedback_pb2.ListFeedbackRequest(filter=feedback_pb2.FeedbackFilter(model=w.model)), OWN
    ),
    "FeedbackService/ExportFeedback": Case(
        # B has no feedback: nothing to export is a precondition, and A's records never count.
        lambda w: feedback_pb2.ExportFeedbackRequest(display_name="x", kind=feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS),
        OWN | {grpc.StatusCode.FAILED_PRECONDITION},
    ),
    # Jobs: A's job, and A's dataset, model and weights' path as inputs.
    "JobService/CreateJob": Case(lambda w: jobs_pb2.CreateJobRequest(job=_job(w, dataset=w.dataset))),
    "JobService/GetJob": Case(lambda w: jobs_pb2.GetJobRequest(name=w.job)),
    "JobService/ListJobs": Case(lambda w: jobs_pb2.ListJobsRequest(), OWN),
    "JobService/CancelJob": Case(lambda w: jobs_pb2.CancelJobRequest(name=w.job)),
    "JobService/WatchJob": Case(lambda w: jobs_pb2.WatchJobRequest(name=w.job)),
    "JobService/ListCheckpoints": Case(lambda w: jobs_pb2.ListCheckpointsRequest(name=w.job)),
    # Models.
    "ModelService/GetModel": Case(lambda w: models_pb2.GetModelRequest(name=w.model)),
    "ModelService/ListModels": Case(lambda w: models_pb2.ListModelsRequest(), OWN),
    "ModelService/DeleteModel": Case(lambda w: models_pb2.DeleteModelRequest(name=w.model)),
    "ModelService/ExportModel": Case(
        lambda w: models_pb2.ExportModelRequest(name=w.model, quantization=models_pb2.QUANTIZATION_INT8)
    ),
    "ModelService/DeployModel": Case(
        lambda w: models_pb2.DeployModelRequest(name=w.model, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE)
    ),
    "ModelService/UndeployModel": Case(lambda w: models_pb2.UndeployModelRequest(name=w.model)),
    # The gateway does not serve RewardService (remote reward servers implement it): UNIMPLEMENTED.
    "RewardService/Score": Case(
        lambda w: rewards_pb2.ScoreRequest(job=w.job, sample_ids=[w.sample]),
        frozenset({grpc.StatusCode.UNIMPLEMENTED}),
    ),
    # Sampling from A's model.
    "SamplingService/Generate": Case(lambda w: sampling_pb2.GenerateRequest(model=w.model, prompt="hi")),
    "SamplingService/GenerateStream": Case(lambda w: sampling_pb2.GenerateRequest(model=w.model, prompt="hi")),
    # Sweeps.
    "SweepService/CreateSweep": Case(lambda w: sweeps_pb2.CreateSweepRequest(sweep=_sweep(w))),
    "SweepService/GetSweep": Case(lambda w: sweeps_pb2.GetSweepRequest(name=w.sweep)),
    "SweepService/ListSweeps": Case(lambda w: sweeps_pb2.ListSweepsRequest(), OWN),
    "SweepService/CancelSweep": Case(lambda w: sweeps_pb2.CancelSweepRequest(name=w.sweep)),
    "SweepService/WatchSweep": Case(lambda w: sweeps_pb2.WatchSweepRequest(name=w.sweep)),
}

# Inputs that name A's resources another way: its weights by server path, its model as a base.
PATH_CASES: list[tuple[str, Callable[[World], Message]]] = [
    ("JobService/CreateJob", lambda w: _b_job(w, base_model=w.model_path)),
    ("JobService/CreateJob", lambda w: _b_job(w, base_model=w.model)),
    ("JobService/CreateJob", lambda w: _b_job(w, validation_dataset=w.dataset)),
    ("JobService/CreateJob", lambda w: _b_job(w, validation_dataset=w.model_path)),
    ("JobService/CreateJob", lambda w: jobs_pb2.CreateJobRequest(job=_job(w, dataset=w.model_path))),
    ("ModelService/GetModel", lambda w: models_pb2.GetModelRequest(name=w.model_path)),
    (
        "ModelService/DeployModel",
        lambda w: models_pb2.DeployModelRequest(name=w.model_path, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE),
    ),
    ("SamplingService/Generate", lambda w: sampling_pb2.GenerateRequest(model=w.model_path, prompt="hi")),
    (
        "EvaluationService/CreateEvaluation",
        lambda w: evaluation_pb2.CreateEvaluationRequest(
            evaluation=evaluation_pb2.Evaluation(
                model=w.model_path, dataset=w.dataset, metrics=[evaluation_pb2.EVALUATION_METRIC_PERPLEXITY]
            )
        ),
    ),
]


def _upload_messages(request_id: str):
    yield datasets_pb2.UploadDatasetRequest(
        metadata=datasets_pb2.DatasetMetadata(
            display_name="test", format=datasets_pb2.DATASET_FORMAT_SFT, request_id=request_id
        )
    )
    yield datasets_pb2.UploadDatasetRequest(chunk=demo_records(8))


def test_every_rpc_has_an_isolation_case():
    rpcs = all_rpcs()
    missing = sorted(set(rpcs) - set(CASES))
    stale = sorted(set(CASES) - set(rpcs))
    assert not missing, f"RPCs without an isolation case in CASES: {missing}"
    assert not stale, f"CASES rows for RPCs that no longer exist: {stale}"
    assert len(rpcs) >= 40  # the walk found the services at all


async def call(gw: Gateway, method, request, md) -> Message | list[Message]:
    """Any RPC by its descriptor, over the gateway's channel, with the generated classes."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    module = importlib.import_module(f"kiln.v1.{method.output_type.file.name.rsplit('/', 1)[1][:-6]}_pb2")
    out_cls = getattr(module, method.output_type.name)
    ser, de = (lambda m: m.SerializeToString()), out_cls.FromString
    ch = gw.channel
    if method.client_streaming and method.server_streaming:
        stream = ch.stream_stream(path, request_serializer=ser, response_deserializer=de)
        return [r async for r in stream(iter(request), metadata=md, timeout=30)]
    if method.client_streaming:
        return await ch.stream_unary(path, request_serializer=ser, response_deserializer=de)(
            iter(request), metadata=md, timeout=30
        )
    if method.server_streaming:
        server_stream = ch.unary_stream(path, request_serializer=ser, response_deserializer=de)
        return [r async for r in server_stream(request, metadata=md, timeout=30)]
    return await ch.unary_unary(path, request_serializer=ser, response_deserializer=de)(
        request, metadata=md, timeout=30
    )


async def outcome(gw: Gateway, rpc: str, request, md, item_codes=None) -> tuple[grpc.StatusCode, bytes]:
    """The call's status code and, when OK, its answer's bytes (to look for A's ids in)."""
    try:
        reply = await call(gw, all_rpcs()[rpc], request, md)
    except grpc.aio.AioRpcError as err:
        return err.code(), b""
    replies = reply if isinstance(reply, list) else [reply]
    if item_codes is not None:
        codes = set(item_codes(replies))
        if len(codes) == 1 and codes != {0}:
            # A per-item rejection echoes the offending request, as an error status would.
            (number,) = codes
            return next(s for s in grpc.StatusCode if s.value[0] == number), b""
    return grpc.StatusCode.OK, b"".join(r.SerializeToString() for r in replies)


@pytest.fixture
async def world(gateway) -> World:
    """Tenant A with one of everything; its jobs never start (running_jobs 0), so they stay put."""
    a, b = await gateway.tenant(), await gateway.tenant()
    quotas = QuotaStore(gateway.server.tenants.redis, gateway.server.tenants.keys, gateway.config.quotas())
    await quotas.set(a.name, {"running_jobs": 0})
    ds = await gateway.datasets.UploadDataset(upload_stream(demo_records(16), 1, request_id="a-upload"), metadata=a.md)
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name)), metadata=a.md)
    model = await gateway.models.ExportModel(
        models_pb2.ExportModelRequest(name="kiln-gpt-tiny", quantization=models_pb2.QUANTIZATION_INT8), metadata=a.md
    )
    evaluation = await evaluation_stub(gateway).CreateEvaluation(
        evaluation_pb2.CreateEvaluationRequest(
            evaluation=evaluation_pb2.Evaluation(
                model=model.name, dataset=ds.name, metrics=[evaluation_pb2.EVALUATION_METRIC_PERPLEXITY], max_records=2
            )
        ),
        metadata=a.md,
    )
    w0 = World(a, b, ds.name, job.name, model.name, "", evaluation.name, "", "", "", "a-upload")
    sweep = await sweeps_stub(gateway).CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=_sweep(w0)), metadata=a.md)
    # A's sample, as a Generate call would have kept it (no replica needed to own one).
    sample = SampleRecord(sample_id="f" * 32, prompt="hi", text="there", model=model.name, model_version=model.version)
    await SampleStore(gateway.server.tenants.redis, gateway.server.tenants.keys).put_many(a.name, [sample])
    fb = await feedback_stub(gateway).SubmitFeedback(
        feedback_pb2.SubmitFeedbackRequest(
            feedback=feedback_pb2.Feedback(sample_id=f"samples/{sample.sample_id}", thumbs=feedback_pb2.Thumbs(up=True))
        ),
        metadata=a.md,
    )
    path = str(gateway.artifact_path(model.artifact_uri))
    b_ds = await gateway.upload(b, demo_records(16))
    return World(
        a,
        b,
        ds.name,
        job.name,
        model.name,
        path,
        evaluation.name,
        sweep.name,
        f"samples/{sample.sample_id}",
        fb.name,
        "a-upload",
        b_ds.name,
    )


def evaluation_stub(gw):
    from kiln.v1 import evaluation_pb2_grpc

    return evaluation_pb2_grpc.EvaluationServiceStub(gw.channel)


def sweeps_stub(gw):
    from kiln.v1 import sweeps_pb2_grpc

    return sweeps_pb2_grpc.SweepServiceStub(gw.channel)


def feedback_stub(gw):
    from kiln.v1 import feedback_pb2_grpc

    return feedback_pb2_grpc.FeedbackServiceStub(gw.channel)


async def test_tenant_b_reaches_nothing_of_tenant_a_through_any_rpc(gateway, world):
    w = world
    failures = []
    for rpc, case in sorted(CASES.items()):
        code, body = await outcome(gateway, rpc, case.request(w), w.b.md, case.item_codes)
        leaked = [s for s in w.secrets() if s.encode() in body]
        if code not in case.allowed or leaked:
            failures.append(f"{rpc}: {code.name} (allowed {sorted(c.name for c in case.allowed)}) leaked={leaked}")
    for rpc, build in PATH_CASES:
        code, body = await outcome(gateway, rpc, build(w), w.b.md)
        if code not in DENIED_PATH or any(s.encode() in body for s in w.secrets()):
            failures.append(f"{rpc} (path or foreign name): {code.name}")
    assert not failures, "\n".join(failures)
    # And A's resources are all still there, untouched by B's attempts.
    assert (await gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=w.dataset), metadata=w.a.md)).name
    job = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=w.job), metadata=w.a.md)
    assert job.state != jobs_pb2.JOB_STATE_CANCELLED
    assert (await gateway.models.GetModel(models_pb2.GetModelRequest(name=w.model), metadata=w.a.md)).name
    sweep = await sweeps_stub(gateway).GetSweep(sweeps_pb2.GetSweepRequest(name=w.sweep), metadata=w.a.md)
    assert sweep.state != sweeps_pb2.SWEEP_STATE_CANCELLED
    # Cleanup: nothing of A's keeps running after the test.
    await gateway.jobs.CancelJob(jobs_pb2.CancelJobRequest(name=w.job), metadata=w.a.md)
    await sweeps_stub(gateway).CancelSweep(sweeps_pb2.CancelSweepRequest(name=w.sweep), metadata=w.a.md)
    await asyncio.sleep(0)
