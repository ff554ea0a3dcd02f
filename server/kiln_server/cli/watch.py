"""Following a long-running operation (a job, an evaluation) to its end, in the terminal.

One loop for every kind: a live progress bar (with an ETA timed by the server's event
timestamps, so a replayed history does not skew it), state changes and other events printed
above the bar, a summary once it ends, and the exit status: 0 when it SUCCEEDED, 1 otherwise,
130 after Ctrl-C (the operation keeps running on the server). What differs per kind is an
`Operation`: its state enum, its progress columns, and how it renders its own event kinds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from kiln_server.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from kiln_server.cli.render import clock, console, duration, state_name, state_text

if TYPE_CHECKING:
    from google.protobuf.descriptor import EnumDescriptor
    from google.protobuf.timestamp_pb2 import Timestamp

    from kiln import KilnClient

FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


@dataclass(frozen=True)
class Operation:
    """What differs between following one kind of operation and another."""

    noun: str  # "job", "evaluation": for messages
    state_enum: EnumDescriptor
    get: Callable[[KilnClient, str], Any]
    events: Callable[[KilnClient, str], Iterator[Any]]
    # Event kind (the `kind` oneof member) -> how to show it; state_change is handled here.
    renderers: Mapping[str, Callable[[Any, View], None]]
    # Progress columns after the bar and its count, as rich TextColumn formats over task.fields.
    columns: Sequence[str] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    # Lines shown once it ended (the model it made, its results).
    summary: Callable[[Any], list[RenderableType]] = lambda final: []
    # Shown after Ctrl-C, given the name: how to stop it for real.
    on_interrupt: Callable[[str], str] = lambda name: "stopped watching; it keeps running"


class _Rate:
    """Units per second over the last few progress events, timed by the server."""

    def __init__(self, window: int = 10):
        self.points: deque[tuple[float, int]] = deque(maxlen=window)

    def add(self, t: float, completed: int) -> None:
        if not self.points or completed > self.points[-1][1]:
            self.points.append((t, completed))

    def eta(self, completed: int, total: int) -> float | None:
        if len(self.points) < 2 or not total:
            return None
        (t0, c0), (t1, c1) = self.points[0], self.points[-1]
        return (total - completed) * (t1 - t0) / (c1 - c0) if t1 > t0 else None


class _EtaColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        eta = task.fields.get("eta")
        return Text(f"eta {duration(eta)}" if eta is not None else "eta -", style="cyan")


class View:
    """The live bar and the lines printed above it, for an Operation's renderers."""

    def __init__(self, progress: Progress, task: TaskID):
        self._progress = progress
        self._task = task
        self._rate = _Rate()

    def advance(self, at: Timestamp, completed: int, total: int, **fields: Any) -> None:
        self._rate.add(at.ToNanoseconds() / 1e9, completed)
        eta = self._rate.eta(completed, total)
        self._progress.update(self._task, completed=completed, total=total or None, eta=eta, **fields)

    def line(self, at: Timestamp, *parts: str | tuple[str, str] | Text) -> None:
        # Never broken by rich: a path or id in the line stays whole, to be copied.
        self._progress.console.print(Text.assemble((clock(at), "dim"), " ", *parts), highlight=False, soft_wrap=True)

    def done(self) -> None:
        self._progress.update(self._task, eta=None)


def follow(client: KilnClient, op: Operation, name: str, out: Console | None = None) -> Any:
    """Follows `name` until it ends; returns the final resource."""
    out = out or console
    start = op.get(client, name)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *(TextColumn(fmt) for fmt in op.columns),
        _EtaColumn(),
        console=out,
    )
    last_reason = ""
    with progress:
        view = View(progress, progress.add_task(start.name, total=None, eta=None, **op.fields))
        for event in op.events(client, name):
            kind = event.WhichOneof("kind")
            if kind == "state_change":
                change = event.state_change
                last_reason = change.reason
                attempt = f" attempt {change.attempt}" if "attempt" in change.DESCRIPTOR.fields_by_name else ""
                reason = f": {change.reason}" if change.reason else ""
                view.line(event.time, state_text(op.state_enum, change.state), f"{attempt}{reason}")
                if state_name(op.state_enum, change.state) in FINAL_STATES:
                    view.done()
            elif kind in op.renderers:
                op.renderers[kind](event, view)
    final = op.get(client, name)
    if final.error and final.error != last_reason:  # not printed already with the last state
        out.print(Text(final.error, style="red"))
    for line in op.summary(final):
        out.print(line, highlight=False, soft_wrap=True)
    return final


def succeeded(op: Operation, final: Any) -> bool:
    return state_name(op.state_enum, final.state) == "SUCCEEDED"


def follow_and_exit(client: KilnClient, op: Operation, name: str) -> None:
    """`follow`, then exit 0 if it succeeded and 1 otherwise; Ctrl-C exits 130 and leaves it running."""
    try:
        final = follow(client, op, name)
    except KeyboardInterrupt:
        console.print(op.on_interrupt(name))
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(EXIT_OK if succeeded(op, final) else EXIT_FAILED)
