"""`kiln feedback`: record judgements of samples and export them as training datasets."""

from __future__ import annotations

from typing import Annotated

import typer

from kiln.v1 import feedback_pb2
from kiln_server.cli.choices import ExportKind, Thumb, TieHandling, number
from kiln_server.cli.connect import connect
from kiln_server.cli.errors import EXIT_USAGE, fail
from kiln_server.cli.render import console, details, show, table, timestamp

app = typer.Typer(help="Record feedback on samples and export it as training datasets.", no_args_is_help=True)

ModelFilter = Annotated[str | None, typer.Option(help="Only feedback on this model's samples.")]
TagFilter = Annotated[str | None, typer.Option(help="Only feedback with this tag.")]
UserFilter = Annotated[str | None, typer.Option(help="Only feedback from this user id.")]
SourceFilter = Annotated[str | None, typer.Option(help="Only feedback from this source.")]


def _filter(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def signal(fb: feedback_pb2.Feedback) -> str:
    kind = fb.WhichOneof("signal")
    if kind == "rating":
        lo, hi = (fb.rating.scale_min, fb.rating.scale_max) if fb.rating.scale_max else (1.0, 5.0)
        return f"rating {fb.rating.value:g} ({lo:g}-{hi:g})"
    if kind == "thumbs":
        return "thumbs up" if fb.thumbs.up else "thumbs down"
    return kind or "-"


@app.command("submit")
def submit(
    ctx: typer.Context,
    sample: Annotated[str, typer.Argument(help="The judged sample, samples/ID.")],
    rating: Annotated[
        float | None, typer.Option(help="A score on the scale (default 1 to 5).", show_default=False)
    ] = None,
    scale_min: Annotated[
        float | None, typer.Option(help="Bottom of the rating scale (with --scale-max).", show_default=False)
    ] = None,
    scale_max: Annotated[float | None, typer.Option(help="Top of the rating scale.", show_default=False)] = None,
    thumbs: Annotated[Thumb | None, typer.Option(help="Thumbs up or down.", show_default=False)] = None,
    correction: Annotated[
        str | None, typer.Option(help="The completion as it should have been.", show_default=False)
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="A label; repeat for several.", show_default=False)
    ] = None,
    comment: Annotated[str, typer.Option(help="Free-text remark.")] = "",
    user_id: Annotated[str, typer.Option(help="Pseudonymous id of the person judging.")] = "",
    source: Annotated[str, typer.Option(help='Where the feedback comes from, e.g. "cli".')] = "cli",
    feedback_id: Annotated[str, typer.Option("--id", help="Client-chosen id; resending it stores nothing new.")] = "",
) -> None:
    """Record a rating, thumbs or correction of one sample (exactly one of the three)."""
    given = [
        name for name, v in (("--rating", rating), ("--thumbs", thumbs), ("--correction", correction)) if v is not None
    ]
    if len(given) != 1:
        raise fail(
            f"give exactly one of --rating, --thumbs, --correction (got {', '.join(given) or 'none'})", EXIT_USAGE
        )
    if (scale_min is not None or scale_max is not None) and rating is None:
        raise fail("--scale-min/--scale-max go with --rating", EXIT_USAGE)
    scale = (scale_min or 0.0, scale_max or 0.0) if rating is not None else None
    with connect(ctx) as client:
        fb = client.submit_feedback(
            sample,
            rating=rating,
            scale=scale,
            thumbs=None if thumbs is None else thumbs == Thumb.up,
            correction=correction,
            comment=comment,
            tags=tag or [],
            user_id=user_id,
            source=source,
            feedback_id=feedback_id,
        )
    console.print(f"recorded [bold]{fb.name}[/]: {signal(fb)} on {fb.sample_id} ({fb.model})", highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    model: ModelFilter = None,
    tag: TagFilter = None,
    user_id: UserFilter = None,
    source: SourceFilter = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
) -> None:
    """List your feedback, newest first."""
    rows = table("NAME", "SAMPLE", "SIGNAL", "MODEL", "TAGS", "USER", "SOURCE", "CREATED")
    flt = _filter(model=model, tag=tag, user_id=user_id, source=source)
    with connect(ctx) as client:
        for i, fb in enumerate(client.list_feedback(page_size=min(limit, 1000), **flt)):
            if i == limit:
                break
            rows.add_row(
                fb.name,
                fb.sample_id or "-",
                signal(fb),
                fb.model or "-",
                ",".join(fb.tags) or "-",
                fb.user_id or "-",
                fb.source or "-",
                timestamp(fb.create_time),
            )
    show(rows)


@app.command("export")
def export(
    ctx: typer.Context,
    kind: Annotated[ExportKind, typer.Option(help="Preference pairs (reward model, DPO) or prompts (PPO).")],
    name: Annotated[str, typer.Option(help="Display name of the new dataset.")] = "",
    model: ModelFilter = None,
    tag: TagFilter = None,
    user_id: UserFilter = None,
    source: SourceFilter = None,
    min_rating_gap: Annotated[
        float, typer.Option(help="Least score difference of a pair, in [0, 1); 0.25 = one star of five.")
    ] = 0.0,
    ties: Annotated[TieHandling, typer.Option(help="Equal scores: no pair, or a pair in both orders.")] = TieHandling(
        "drop"
    ),
    max_pairs_per_prompt: Annotated[int, typer.Option(min=0, help="Pairs kept per prompt; 0 = all.")] = 0,
    request_id: Annotated[str, typer.Option(help="Idempotency key: a retry returns the first export.")] = "",
) -> None:
    """Turn matching feedback into a new dataset."""
    pairs = number(kind) == feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS
    pairing = {"min_rating_gap": min_rating_gap, "ties": number(ties), "max_pairs_per_prompt": max_pairs_per_prompt}
    with connect(ctx) as client:
        res = client.export_feedback(
            number(kind),
            filter=_filter(model=model, tag=tag, user_id=user_id, source=source),
            pairing=pairing if pairs else None,
            display_name=name,
            request_id=request_id,
        )
    console.print(f"exported [bold]{res.dataset}[/]: {res.record_count} records")
    show(
        details(
            [
                ("matched feedback", str(res.matched_feedback_count)),
                ("records written", str(res.record_count)),
                ("dropped ties", str(res.dropped_tie_count)),
                ("dropped below gap", str(res.dropped_gap_count)),
                ("dropped by limit", str(res.dropped_limit_count)),
                ("unused feedback", str(res.unused_feedback_count)),
            ]
        )
    )
