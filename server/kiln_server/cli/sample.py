"""`kiln sample`: stream completions of a deployed model to the terminal as tokens arrive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kiln_server.cli.connect import connect
from kiln_server.cli.render import console, enum_name, err_console


def sample(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="A deployed model: models/ID or a built-in name")],
    prompt: Annotated[str, typer.Argument(help="The text to continue")],
    max_tokens: Annotated[int | None, typer.Option(min=1, help="Most new tokens")] = None,
    temperature: Annotated[float, typer.Option(min=0.0, max=2.0, help="0 is greedy")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling mass, in (0, 1]")] = 1.0,
    top_k: Annotated[int, typer.Option(min=0, help="Keep the k most likely tokens; 0 disables")] = 0,
    seed: Annotated[int | None, typer.Option(min=0, help="Same seed, same output")] = None,
    stop: Annotated[list[str] | None, typer.Option(help="Stop before this string (repeatable)")] = None,
    n: Annotated[int, typer.Option("--n", "-n", min=1, max=16, help="Completions to draw")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the result cache")] = False,
) -> None:
    """Stream completions as tokens arrive; each sample's id (for `kiln feedback submit`) prints when it ends."""
    params: dict[str, Any] = {"temperature": temperature, "top_p": top_p, "top_k": top_k, "stop": stop or []}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    if seed is not None:
        params["seed"] = seed
    finished: list[str] = []  # "samples/ID: reason", in the order the samples ended
    with connect(ctx) as client:
        current = None
        for msg in client.generate_stream(model, prompt, n=n, bypass_cache=no_cache, **params):
            if msg.HasField("usage"):
                console.print()
                for line in finished:
                    err_console.print(f"[dim]{line}[/]", highlight=False)
                cached = " (cached)" if msg.cached else ""
                err_console.print(
                    f"[dim]{msg.usage.prompt_tokens} prompt + {msg.usage.completion_tokens} "
                    f"completion tokens, {msg.model_version}{cached}[/]",
                    highlight=False,
                )
                continue
            if n > 1 and msg.index != current:  # chunks of several samples interleave: label each run
                console.print(f"\n[bold cyan][{msg.index}][/] ", end="")
                current = msg.index
            if msg.WhichOneof("delta") == "image":
                console.print(f"(image {msg.image.width}x{msg.image.height}, {len(msg.image.png)} bytes)", end="")
            else:
                console.print(msg.text, end="", highlight=False, markup=False, soft_wrap=True)
            if msg.finish_reason:
                reason = enum_name(msg.DESCRIPTOR.fields_by_name["finish_reason"], msg.finish_reason)
                label = f"[{msg.index}] " if n > 1 else ""
                finished.append(f"{label}finished: {reason} ({msg.sample_id})")


def sample_images(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help="A deployed image model: models/ID")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the grid PNG")] = Path("samples.png"),
    n: Annotated[int, typer.Option("--n", "-n", min=1, max=16, help="Images to draw")] = 16,
    seed: Annotated[int | None, typer.Option(min=0, help="Same seed, same pixels")] = None,
    class_label: Annotated[
        int | None, typer.Option(min=0, help="The class to draw (class-conditional models); default: any")
    ] = None,
    guidance_scale: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=20.0, help="Classifier-free guidance (class-conditional diffusion models); default 1"
        ),
    ] = None,
    columns: Annotated[int, typer.Option(min=1, help="Images per row of the grid")] = 4,
    scale: Annotated[int, typer.Option(min=1, max=32, help="Pixel size in the grid (nearest neighbour)")] = 4,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the result cache")] = False,
) -> None:
    """Draw n images from an image model and write them as one grid PNG; prints each sample id."""
    import io

    import numpy as np
    from PIL import Image

    params: dict[str, Any] = {} if seed is None else {"seed": seed}
    if class_label is not None:
        params["class_label"] = class_label
    if guidance_scale is not None:
        params["guidance_scale"] = guidance_scale
    with connect(ctx) as client:
        resp = client.generate(model, "", n=n, bypass_cache=no_cache, **params)
    tiles = [np.asarray(Image.open(io.BytesIO(c.image.png)).convert("RGB")) for c in resp.completions]
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    grid = np.zeros((rows * (h + 1) + 1, columns * (w + 1) + 1, 3), np.uint8)
    for i, tile in enumerate(tiles):
        y, x = divmod(i, columns)
        grid[1 + y * (h + 1) : 1 + y * (h + 1) + h, 1 + x * (w + 1) : 1 + x * (w + 1) + w] = tile
    img = Image.fromarray(grid)
    img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST).save(out, format="PNG")
    for c in resp.completions:
        err_console.print(f"[dim][{c.index}] {c.sample_id}[/]", highlight=False)
    cached = " (cached)" if resp.cached else ""
    console.print(f"wrote {len(tiles)} images ({w}x{h}) to {out}; {resp.model_version}{cached}")
