"""How the CLI shows things: consoles, tables, key-value details, numbers, sizes, times, states.

One wrap rule: rich never breaks a name, id, path, number or time (so it can be copied). In a
table on a terminal only the free-text columns fold at the terminal's width; into a pipe a table
takes the width it needs, so `kiln jobs list | grep ...` sees whole rows. Lines printed while
watching, and summaries, are soft-wrapped: the terminal folds them, the text keeps no newline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.table import Column, Table
from rich.text import Text

from kiln.messages import short_name

if TYPE_CHECKING:
    from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
    from google.protobuf.timestamp_pb2 import Timestamp

console = Console()
err_console = Console(stderr=True)

# Free-text columns; every other column is kept on one line.
_WRAPPING = {"DISPLAY NAME", "BASE MODEL", "SOURCE JOB", "RESULTS"}

STATE_STYLES = {
    "QUEUED": "yellow",
    "RUNNING": "cyan",
    "RETRYING": "yellow",
    "SUCCEEDED": "green",
    "FAILED": "red",
    "CANCELLED": "magenta",
}


def table(*headers: str) -> Table:
    return Table(*(Column(h, no_wrap=h not in _WRAPPING, overflow="fold") for h in headers))


def details(rows: Sequence[tuple[str, RenderableType]], title: str | None = None) -> Table:
    """Key-value rows without borders, for one resource."""
    out = Table(show_header=False, title=title, title_justify="left", box=None, padding=(0, 2))
    out.add_column(style="bold")
    out.add_column(overflow="fold")
    for key, value in rows:
        out.add_row(key, value)
    return out


def show(renderable: Table) -> None:
    if console.is_terminal:
        console.print(renderable)
        return
    unbounded = console.options.update_width(10_000)
    width = max(console.width, console.measure(renderable, options=unbounded).maximum)
    Console(width=width).print(renderable)


def enum_name(field: FieldDescriptor, number: int) -> str:
    """DATASET_FORMAT_SFT -> sft, for any Kiln enum field."""
    return short_name(field.enum_type, number)


def state_name(enum_type: EnumDescriptor, number: int) -> str:
    """JOB_STATE_SUCCEEDED -> SUCCEEDED: states are shown in capitals, like the proto spells them."""
    return short_name(enum_type, number).upper()


def state_text(enum_type: EnumDescriptor, number: int) -> Text:
    state = state_name(enum_type, number)
    return Text(state, style=STATE_STYLES.get(state, ""))


def num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def timestamp(ts: Timestamp) -> str:
    if not ts.seconds and not ts.nanos:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts.seconds))


def clock(ts: Timestamp) -> str:
    """The time of day of an event, for lines printed while watching."""
    return time.strftime("%H:%M:%S", time.localtime(ts.seconds))


def ms_time(ms: bytes | str | int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(ms) / 1000)) if ms else "-"


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def results(values: Any) -> str:
    """{"perplexity": 3.2, ...} -> "perplexity 3.2  ..." in key order."""
    return "  ".join(f"{k} {num(v)}" for k, v in sorted(values.items())) or "-"
