"""README.md's "Using it" lines, run in order as written, so the README cannot drift from the CLI.

`kiln serve` runs as a real subprocess on embedded defaults (its own Redis under .kiln/ in a
scratch working directory, a free port, and the session's Ray instance, which saves starting a
second one); every other `kiln` line runs through the CLI in-process against it. A `# -> kind/NAME`
comment on a line names the ids it prints: they are read from its output and put in place of
`kind/NAME` in later lines, and `export KILN_API_KEY=...` takes the key the line before printed.
A line of any other shape fails the test, so a new README line cannot be skipped silently.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiln import KilnClient, KilnError
from kiln_server.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

README = Path(__file__).resolve().parents[2] / "README.md"
KINDS = "datasets|models|samples|jobs|evaluations"
PLACEHOLDER = re.compile(rf"\b({KINDS})/([A-Z][A-Z0-9_]*)\b")
# What new_id makes ("m-" and 12 hex digits; a sample's id is 32 hex digits), standing alone: a path
# such as tenants/acme/models/... in a printed artifact URI is not a model's name.
REAL_ID = re.compile(rf"(?<![\w/])({KINDS})/([a-z]-[0-9a-f]{{12}}|[0-9a-f]{{32}})\b")
API_KEY = re.compile(r"\bkiln_[A-Za-z0-9_-]+")


@dataclass
class Line:
    text: str  # continuation lines joined
    args: list[str]  # shell words without the comment
    binds: list[str] = field(default_factory=list)  # "models/SFT", ... from a `# -> ...` comment


def using_it_lines(readme: str) -> list[Line]:
    """The indented command lines of the "Using it" section, continuations joined."""
    section = readme.split("\n## Using it\n", 1)[1].split("\n## ", 1)[0]
    code = "\n".join(line[4:] for line in section.splitlines() if line.startswith("    "))
    out = []
    for text in code.replace("\\\n", " ").splitlines():
        if not text.strip():
            continue
        comment = text.partition("#")[2] if "#" in text and not text.lstrip().startswith("#") else ""
        binds = [m.group(0) for m in PLACEHOLDER.finditer(comment.partition("->")[2])] if "->" in comment else []
        out.append(Line(text, shlex.split(text, comments=True), binds))
    return out


def test_the_parser_reads_the_readme():
    lines = using_it_lines(README.read_text())
    assert lines[0].args == ["kiln", "serve"]
    assert any(line.args[:1] == ["export"] for line in lines)
    assert sum(line.args[:1] == ["kiln"] for line in lines) >= 15
    assert any("models/RM" in line.binds for line in lines)
    # A placeholder is used only after a line named it.
    bound: set[str] = set()
    for line in lines:
        used = {m.group(0) for m in PLACEHOLDER.finditer(" ".join(line.args))}
        assert used <= bound, (line.text, used - bound)
        bound.update(line.binds)


class Gateway:
    """`kiln serve` as a subprocess; its stdout is drained by a thread so the pipe never fills."""

    def __init__(self, cwd: Path, env: dict[str, str], args: list[str]):
        self.log = (cwd / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiln_server.cli", *args[1:]],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def target(self, timeout: float = 120) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"`kiln serve` did not start; see {self.log.name}") from None
            if m := re.search(r"kiln serving on\s+\S+:(\d+)", line):
                return f"127.0.0.1:{m.group(1)}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # drains, stops its Redis and tritonserver
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Iterator[Path]:
    """A scratch working directory holding the user's train.jsonl, and no KILN_* settings."""
    shutil.copy(Path(str(files("kiln_trainer.data") / "assets" / "demo_sft.jsonl")), tmp_path / "train.jsonl")
    for name in [n for n in os.environ if n.startswith("KILN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _substitute(args: list[str], ids: dict[str, str]) -> list[str]:
    def real(m: re.Match[str]) -> str:
        assert m.group(0) in ids, f"{m.group(0)} is used before a line printed it"
        return ids[m.group(0)]

    return [PLACEHOLDER.sub(real, arg) for arg in args]


def _bind(line: Line, command: list[str], output: str, ids: dict[str, str]) -> None:
    """Binds the line's placeholders to the ids of their kind it printed, in order, leaving out
    the ids it was given and those bound already."""
    known = set(ids.values()) | {m.group(0) for arg in command for m in REAL_ID.finditer(arg)}
    printed = [m.group(0) for m in REAL_ID.finditer(output) if m.group(0) not in known]
    for placeholder in line.binds:
        kind = placeholder.split("/")[0]
        found = next((name for name in printed if name.startswith(kind + "/") and name not in ids.values()), None)
        assert found, f"{line.text!r} printed no new {kind}/ id:\n{output}"
        ids[placeholder] = found


def test_readme_using_it_runs_as_written(workdir, ray_instance):
    import ray

    runner = CliRunner()
    env: dict[str, str] = {}  # what earlier lines exported
    ids: dict[str, str] = {}
    gateway: Gateway | None = None
    output = ""
    timings: list[tuple[float, str]] = []  # printed at the end: what the walk spends its time on
    try:
        for line in using_it_lines(README.read_text()):
            started = time.monotonic()
            if line.args[:2] == ["kiln", "serve"]:
                serve_env = {
                    **os.environ,
                    "KILN_PORT": "0",  # the README's default port may be taken; the test reads the real one
                    "KILN_RAY_ADDRESS": ray.get_runtime_context().gcs_address,
                    "KILN_LOG_JSON": "false",
                    "KILN_LOG_LEVEL": "WARNING",
                    "GRPC_VERBOSITY": "ERROR",
                }
                gateway = Gateway(workdir, serve_env, line.args)
                env["KILN_TARGET"] = gateway.target()
                timings.append((time.monotonic() - started, line.text))
                continue
            if line.args[:1] == ["export"]:
                name, _, _ = line.args[1].partition("=")
                found = API_KEY.findall(output)
                assert name == "KILN_API_KEY" and found, (line.text, output)
                env[name] = found[-1]
                continue
            assert line.args[:1] == ["kiln"], f"the README test does not know how to run {line.text!r}"
            for words in _split_and(line.args):
                command = _substitute(words[1:], ids)
                result = runner.invoke(app, command, env=env)
                output = result.output
                assert result.exit_code == 0, f"{' '.join(words)} -> {shlex.join(command)}:\n{output}"
            _bind(line, command, output, ids)
            timings.append((time.monotonic() - started, line.text))
        assert {"datasets/TRAIN", "models/SFT", "models/RM", "models/INT4"} <= set(ids), ids
    finally:
        for seconds, text in timings:
            print(f"{seconds:7.1f}s  {text.strip()[:100]}")
        if gateway is not None:
            _undeploy(env, ids)
            gateway.stop()


def _split_and(args: list[str]) -> Iterator[list[str]]:
    """`a && b` -> [a], [b]; each must start with kiln."""
    words: list[str] = []
    for arg in [*args, "&&"]:
        if arg != "&&":
            words.append(arg)
            continue
        assert words[:1] == ["kiln"], words
        yield words
        words = []


def _undeploy(env: dict[str, str], ids: dict[str, str]) -> None:
    """Ray Serve deployments outlive the gateway and hold the session Ray's CPUs: remove them."""
    if "KILN_API_KEY" not in env:
        return
    with KilnClient(env["KILN_TARGET"], env["KILN_API_KEY"]) as client:
        for name in ids.values():
            if name.startswith("models/"):
                with contextlib.suppress(KilnError):  # never deployed
                    client.undeploy_model(name)
