"""`kiln admin`: tenants and API keys, written straight to Redis (no gateway needed).

The commands reach the deployment only through TenantStore, on the gateway's Redis: the external
one of KILN_REDIS_URL, or the embedded one of the data dir (reused while a gateway runs, started
and stopped around the command otherwise).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from kiln_server.cli.connect import load_config
from kiln_server.cli.errors import EXIT_FAILED, EXIT_USAGE, fail
from kiln_server.cli.render import console, ms_time, show, table

if TYPE_CHECKING:
    from kiln_server.platform.config import KilnConfig
    from kiln_server.tenants.store import TenantStore

T = TypeVar("T")

app = typer.Typer(help="Tenants and API keys, written straight to Redis (no gateway needed).", no_args_is_help=True)
tenants_app = typer.Typer(help="Create and list tenants.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Data dir whose embedded Redis is used when no Redis URL is set [KILN_DATA_DIR, default .kiln].",
        show_default=False,
    ),
]
RedisUrlOption = Annotated[str | None, typer.Option(help="Redis to use [KILN_REDIS_URL].", show_default=False)]
RedisPrefixOption = Annotated[
    str | None,
    typer.Option(help="Key prefix of the deployment [KILN_REDIS_PREFIX, default kiln].", show_default=False),
]


def _admin(
    data_dir: Path | None,
    redis_url: str | None,
    redis_prefix: str | None,
    action: Callable[[TenantStore], Awaitable[T]],
) -> T:
    """Runs `action` against the deployment's TenantStore; domain errors exit non-zero."""
    config = load_config(data_dir=data_dir, redis_url=redis_url, redis_prefix=redis_prefix)
    import redis

    from kiln_server.platform import errors

    try:
        return asyncio.run(_with_tenant_store(config, action))
    except errors.KilnError as exc:
        code = EXIT_USAGE if isinstance(exc, errors.InvalidArgument) else EXIT_FAILED
        raise fail(exc.message, code) from None
    except (redis.RedisError, RuntimeError) as exc:
        raise fail(f"cannot reach Redis: {exc}") from None


async def _with_tenant_store(config: KilnConfig, action: Callable[[TenantStore], Awaitable[T]]) -> T:
    import redis.asyncio as aioredis

    from kiln_server.platform.app import connect_redis
    from kiln_server.platform.keys import Keys
    from kiln_server.tenants.store import TenantStore

    url, embedded = await asyncio.to_thread(connect_redis, config)
    client = aioredis.Redis.from_url(url)
    try:
        return await action(TenantStore(client, Keys(config.redis_prefix)))
    finally:
        await client.aclose()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


async def _tenant_rows(store: TenantStore) -> list[tuple[str, str, int, str]]:
    out = []
    for tenant in await store.tenants():
        record = await store.tenant(tenant)
        keys = await store.api_keys(tenant)
        display, created = (record.display_name, record.create_time) if record else ("", None)
        out.append((tenant, display, len(keys), ms_time(created)))
    return out


def _key_rows(tenant: str) -> Callable[[TenantStore], Awaitable[list[tuple[str, str]]]]:
    async def rows(store: TenantStore) -> list[tuple[str, str]]:
        return [(key.key_id, ms_time(key.create_time)) for key in await store.api_keys(tenant)]

    return rows


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="Tenant id: lowercase letters, digits and dashes.")],
    display_name: Annotated[str, typer.Option(help="Human-readable name (default: the id).")] = "",
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create a tenant (a no-op if it exists)."""
    created = _admin(data_dir, redis_url, redis_prefix, lambda store: store.create_tenant(name, display_name))
    if created:
        console.print(f"created tenant [bold]{name}[/]; next: kiln admin keys create {name}")
    else:
        console.print(f"tenant [bold]{name}[/] already exists")


@tenants_app.command("list")
def tenants_list(
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List tenants with their number of API keys."""
    rows = table("TENANT", "DISPLAY NAME", "KEYS", "CREATED")
    for tenant, display, n_keys, created in _admin(data_dir, redis_url, redis_prefix, _tenant_rows):
        rows.add_row(tenant, display, str(n_keys), created)
    show(rows)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Argument(help="The tenant the key acts for.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the secret (for scripts).")] = False,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create an API key; the secret is printed once and never stored in clear."""
    key_id, secret = _admin(data_dir, redis_url, redis_prefix, lambda store: store.create_key(tenant))
    if quiet:
        typer.echo(secret)
        return
    console.print(f"created key [bold]{key_id}[/] for tenant [bold]{tenant}[/]")
    console.print(f"secret: [bold green]{secret}[/]", highlight=False, soft_wrap=True)
    console.print("[yellow]store it now: it cannot be shown again.[/] Use it as KILN_API_KEY or --api-key.")


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str, typer.Argument(help="The tenant whose keys to list.")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List a tenant's key ids (never the secrets)."""
    rows = table("KEY ID", "CREATED")
    for key_id, created in _admin(data_dir, redis_url, redis_prefix, _key_rows(tenant)):
        rows.add_row(key_id, created)
    show(rows)


@keys_app.command("revoke")
def keys_revoke(
    tenant: Annotated[str, typer.Argument(help="The tenant that owns the key.")],
    key_id: Annotated[str, typer.Argument(help="The key id shown at creation (not the secret).")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Revoke an API key; requests with it fail UNAUTHENTICATED from now on."""
    if not _admin(data_dir, redis_url, redis_prefix, lambda store: store.revoke_key(tenant, key_id)):
        raise fail(f"tenant {tenant!r} has no key {key_id!r}")
    console.print(f"revoked key [bold]{key_id}[/] of tenant [bold]{tenant}[/]")
