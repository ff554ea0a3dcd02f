"""What every language's end-to-end test shares: the run of its programs against one gateway, the
scripted fault server, and the one check of observed outcomes against scenarios.json.

A language's test builds its client (clients/<lang>/build.sh), runs its README example (the
flow) against the gateway with a fresh tenant, then runs its conformance program over the
shared scenarios, resolved with what the flow made, and checks what that client saw.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc import aio

from kiln.v1 import jobs_pb2, models_pb2, models_pb2_grpc

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = Path(__file__).with_name("scenarios.json")
INSTALL_HINT = "install the client toolchains: bash scripts/install_client_toolchains.sh"
# Tiny on purpose: the job only has to produce a model (CI time), not a good one.
MAX_STEPS = 3
# A cold build plus the flow on a busy 2-core machine; the suite-wide 300 s is for Python tests.
TEST_TIMEOUT_S = 900
# Seconds per language and phase (build, flow, conformance), printed at the end of the session.
TIMINGS: dict[str, dict[str, float]] = defaultdict(dict)


@dataclass
class Language:
    name: str  # the folder under clients/
    flow: list[str]  # the README example; gets the dataset path as its last argument
    conformance: list[str]
    tools: tuple[str, ...]  # commands that must be on PATH

    @property
    def root(self) -> Path:
        return ROOT / "clients" / self.name


async def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, what: str) -> str:
    """Runs a program without blocking the event loop (the gateway lives on it); returns stdout."""
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        cwd=cwd,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"{what} did not finish within {timeout:.0f}s") from None
    text = out.decode(errors="replace")
    assert proc.returncode == 0, (
        f"{what} exited {proc.returncode}\n--- stdout\n{text}\n--- stderr\n{err.decode(errors='replace')}"
    )
    return text


@dataclass
class Fault:
    code: str
    failures: int
    retry_delay_ms: int | None = None
    delay_ms: int = 0
    attempts: list[float] = field(default_factory=list)


class FaultServer:
    """A stand-in JobService that fails on script, to check each client's retries and deadlines.

    A fault is keyed by GetJob's name or CreateJob's job.display_name; each attempt is timed.
    """

    def __init__(self) -> None:
        self.faults: dict[str, Fault] = {}
        self.server = aio.server()
        handlers = {
            "GetJob": grpc.unary_unary_rpc_method_handler(
                self._get_job, jobs_pb2.GetJobRequest.FromString, jobs_pb2.Job.SerializeToString
            ),
            "CreateJob": grpc.unary_unary_rpc_method_handler(
                self._create_job, jobs_pb2.CreateJobRequest.FromString, jobs_pb2.Job.SerializeToString
            ),
        }
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("kiln.v1.JobService", handlers),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    async def _get_job(self, request: jobs_pb2.GetJobRequest, context: aio.ServicerContext) -> jobs_pb2.Job:
        return await self._answer(request.name, context)

    async def _create_job(self, request: jobs_pb2.CreateJobRequest, context: aio.ServicerContext) -> jobs_pb2.Job:
        return await self._answer(request.job.display_name, context)

    async def _answer(self, key: str, context: aio.ServicerContext) -> jobs_pb2.Job:
        fault = self.faults.get(key)
        if fault is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no fault scripted for {key!r}")
            raise AssertionError("unreachable: abort raises")
        fault.attempts.append(time.monotonic())
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if len(fault.attempts) > fault.failures or fault.code == "OK":
            return jobs_pb2.Job(name="jobs/fault-ok", display_name=key)
        code = grpc.StatusCode[fault.code]
        status = status_pb2.Status(code=code.value[0], message=f"scripted {fault.code}")
        if fault.retry_delay_ms is not None:
            delay = duration_pb2.Duration()
            delay.FromMilliseconds(fault.retry_delay_ms)
            status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        await context.abort(
            code, status.message, trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),)
        )


def resolve(values: dict[str, str]) -> list[dict]:
    """The scenarios with ${NAME} placeholders replaced by `values`."""
    text = SCENARIOS.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text, "a placeholder in scenarios.json has no value"
    return json.loads(text)["scenarios"]


def check(scenario: dict, observed: dict, fault: Fault | None) -> list[str]:
    """What differs between a scenario's expectations and what a client observed."""
    want, problems = scenario["expect"], []
    if observed.get("code") != want["code"]:
        problems.append(f"code {observed.get('code')} ({observed.get('message', '')!r}), want {want['code']}")
    if "fieldViolations" in want and sorted(observed.get("fieldViolations", [])) != sorted(want["fieldViolations"]):
        problems.append(f"field violations {observed.get('fieldViolations')}, want {want['fieldViolations']}")
    if "resourceInfo" in want and observed.get("resourceInfo") != want["resourceInfo"]:
        problems.append(f"resource info {observed.get('resourceInfo')}, want {want['resourceInfo']}")
    if "retryDelayMs" in want and observed.get("retryDelayMs") != want["retryDelayMs"]:
        problems.append(f"retry delay {observed.get('retryDelayMs')} ms, want {want['retryDelayMs']}")
    if "messageContains" in want and want["messageContains"] not in observed.get("message", ""):
        problems.append(f"message {observed.get('message')!r} lacks {want['messageContains']!r}")
    if "attempts" in want and fault is not None and len(fault.attempts) != want["attempts"]:
        problems.append(f"{len(fault.attempts)} attempts reached the server, want {want['attempts']}")
    if "minGapMs" in want and fault is not None and len(fault.attempts) > 1:
        gap = min(b - a for a, b in itertools.pairwise(fault.attempts)) * 1000
        if gap < want["minGapMs"] * 0.95:  # timer granularity only
            problems.append(f"retried after {gap:.0f} ms, sooner than the RetryInfo delay {want['minGapMs']} ms")
    return problems


LANGUAGES = {
    "typescript": Language(
        "typescript", ["node", "dist/examples/flow.js"], ["node", "dist/test/conformance.js"], ("node", "npm")
    ),
    "go": Language("go", ["bin/flow"], ["bin/conformance"], ("go",)),
    "cpp": Language("cpp", ["build/flow"], ["build/conformance"], ("cmake", "ninja", "g++", "protoc")),
    "java": Language(
        "java",
        ["bash", "run.sh", "kiln.examples.Flow"],
        ["bash", "run.sh", "kiln.conformance.Conformance"],
        ("java", "javac"),
    ),
}


async def build(lang: Language) -> None:
    """Runs the language's build.sh (incremental; caches where the tool has one)."""
    missing = [tool for tool in lang.tools if shutil.which(tool) is None]
    assert not missing, f"{lang.name}: {missing} not on PATH; {INSTALL_HINT}"
    started = time.monotonic()
    # Niced: builds fill the CPU the examples leave idle, without slowing training or serving.
    await run(["nice", "-n", "10", "bash", "build.sh"], lang.root, {}, TEST_TIMEOUT_S, f"{lang.name} build")
    TIMINGS[lang.name]["build"] = time.monotonic() - started


async def run_language(
    lang: Language, built: asyncio.Task, gateway, fault_server, dataset: Path, tmp_path: Path
) -> dict:
    """The flow, then the conformance scenarios, for one language; returns the flow's summary."""
    await built
    tenant, other = await gateway.tenant(), await gateway.tenant()
    summary_path = tmp_path / f"{lang.name}-summary.json"
    env = {
        "KILN_TARGET": f"127.0.0.1:{gateway.port}",
        "KILN_API_KEY": tenant.key,
        "KILN_SUMMARY": str(summary_path),
        "KILN_MAX_STEPS": str(MAX_STEPS),
    }
    started = time.monotonic()
    flow_output = await run([*lang.flow, str(dataset)], lang.root, env, 600, f"{lang.name} example flow")
    TIMINGS[lang.name]["flow"] = time.monotonic() - started
    summary = json.loads(summary_path.read_text())
    summary["output"] = flow_output
    models = models_pb2_grpc.ModelServiceStub(gateway.channel)
    try:
        run_id = f"{lang.name}-{secrets.token_hex(3)}"
        values = {k.upper(): summary[k] for k in ("job", "model", "sample", "dataset")} | {"RUN": run_id}
        scenarios = resolve(values)
        faults: dict[str, Fault] = {}
        for s in scenarios:
            if "fault" in s:
                key = s["request"]["name"] if s["method"] == "GetJob" else s["request"]["job"]["displayName"]
                spec = s["fault"]
                fault = Fault(spec["code"], spec["failures"], spec.get("retryDelayMs"), spec.get("delayMs", 0))
                fault_server.faults[key] = faults[s["name"]] = fault
        resolved = tmp_path / f"{lang.name}-scenarios.json"
        resolved.write_text(json.dumps({"scenarios": scenarios}))
        env |= {
            "KILN_SCENARIOS": str(resolved),
            "KILN_OTHER_API_KEY": other.key,
            "KILN_FAULT_TARGET": f"127.0.0.1:{fault_server.port}",
        }
        started = time.monotonic()
        out = await run(lang.conformance, lang.root, env, 300, f"{lang.name} conformance")
        TIMINGS[lang.name]["conformance"] = time.monotonic() - started
        observed = {o["name"]: o for o in map(json.loads, out.splitlines()) if o}
        problems = {
            s["name"]: check(s, observed[s["name"]], faults.get(s["name"])) if s["name"] in observed else ["no outcome"]
            for s in scenarios
        }
        failed = {name: p for name, p in problems.items() if p}
        assert not failed, f"{lang.name} conformance:\n" + json.dumps(failed, indent=2)
    finally:
        await models.UndeployModel(models_pb2.UndeployModelRequest(name=summary["model"]), metadata=tenant.md)
    return summary


def check_flow(summary: dict) -> None:
    """What the README example must have achieved, in any language."""
    assert summary["jobState"] in ("JOB_STATE_SUCCEEDED", "SUCCEEDED"), summary
    assert summary["model"].startswith("models/") and summary["deploymentState"] == "READY", summary
    first, second = summary["texts"]
    assert first == second and first, f"seeded samples differ: {summary['texts']}"
    assert summary["sample"].startswith("samples/")
    assert summary["streamed"], "the stream produced no text"
    assert summary["feedback"].startswith("feedback/") and summary["feedbackSample"] == summary["sample"]
