"""`kiln admin`: tenants, API keys, quotas and the audit log.

Two modes (cli/admin_backends.py): by default straight to the deployment's Redis through
TenantStore (the external one of KILN_REDIS_URL, or the embedded one of the data dir, reused
while a gateway runs); with --gateway (KILN_ADMIN_GATEWAY) through a running gateway's
AdminService, authenticated by an admin-role API key (--api-key / KILN_API_KEY).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from kiln_server.cli.connect import ClientSettings, load_config
from kiln_server.cli.errors import EXIT_FAILED, EXIT_USAGE, fail
from kiln_server.cli.render import console, show, table

if TYPE_CHECKING:
    from kiln_server.cli.admin_backends import AdminBackend

T = TypeVar("T")

app = typer.Typer(help="Tenants, API keys, quotas and the audit log.", no_args_is_help=True)
tenants_app = typer.Typer(help="Create, list and delete tenants.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list, revoke and rotate API keys.", no_args_is_help=True)
quotas_app = typer.Typer(help="Show and set a tenant's quotas.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")
app.add_typer(quotas_app, name="quotas")


class RoleChoice(StrEnum):
    admin = "admin"
    member = "member"
    viewer = "viewer"


@dataclass
class AdminSettings:
    gateway: str | None
    api_key: str | None
    ca_cert: Path | None
    client_cert: Path | None
    client_key: Path | None
    data_dir: Path | None = None
    redis_url: str | None = None
    redis_prefix: str | None = None


@app.callback()
def _admin_root(
    ctx: typer.Context,
    gateway: Annotated[
        str | None,
        typer.Option(
            envvar="KILN_ADMIN_GATEWAY",
            show_default=False,
            help="Gateway host:port: use its AdminService (needs an admin API key) instead of Redis.",
        ),
    ] = None,
    ca_cert: Annotated[Path | None, typer.Option(help="PEM CA to verify a TLS gateway.", show_default=False)] = None,
    client_cert: Annotated[
        Path | None, typer.Option(help="PEM client certificate (mutual TLS).", show_default=False)
    ] = None,
    client_key: Annotated[Path | None, typer.Option(help="PEM key of --client-cert.", show_default=False)] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Data dir whose embedded Redis is used when no Redis URL is set [KILN_DATA_DIR, default .kiln].",
            show_default=False,
        ),
    ] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis to use [KILN_REDIS_URL].", show_default=False)] = None,
    redis_prefix: Annotated[
        str | None,
        typer.Option(help="Key prefix of the deployment [KILN_REDIS_PREFIX, default kiln].", show_default=False),
    ] = None,
) -> None:
    parent = ctx.find_object(ClientSettings)
    ctx.obj = AdminSettings(
        gateway, parent.api_key if parent else None, ca_cert, client_cert, client_key, data_dir, redis_url, redis_prefix
    )


# The local-mode options are also accepted after the command (as before --gateway existed).
DataDirOption = Annotated[Path | None, typer.Option(help="See `kiln admin --help`.", show_default=False)]
RedisUrlOption = Annotated[str | None, typer.Option(help="See `kiln admin --help`.", show_default=False)]
RedisPrefixOption = Annotated[str | None, typer.Option(help="See `kiln admin --help`.", show_default=False)]


def _run(
    ctx: typer.Context,
    action: Callable[[AdminBackend], T],
    data_dir: Path | None = None,
    redis_url: str | None = None,
    redis_prefix: str | None = None,
) -> T:
    """Runs `action` on the chosen backend; domain and RPC errors exit non-zero."""
    import grpc
    import redis

    from kiln_server.cli.admin_backends import LocalAdmin, RemoteAdmin
    from kiln_server.platform import errors

    s = ctx.find_object(AdminSettings) or AdminSettings(None, None, None, None, None)
    backend: AdminBackend
    if s.gateway:
        backend = RemoteAdmin(s.gateway, s.api_key, s.ca_cert, s.client_cert, s.client_key)
    else:
        config = load_config(
            data_dir=data_dir or s.data_dir,
            redis_url=redis_url or s.redis_url,
            redis_prefix=redis_prefix or s.redis_prefix,
        )
        backend = LocalAdmin(config)
    try:
        return action(backend)
    except errors.KilnError as exc:
        code = EXIT_USAGE if isinstance(exc, errors.InvalidArgument) else EXIT_FAILED
        raise fail(exc.message, code) from None
    except grpc.RpcError as exc:
        status = exc.code()  # type: ignore[attr-defined]
        code = EXIT_USAGE if status == grpc.StatusCode.INVALID_ARGUMENT else EXIT_FAILED
        raise fail(f"{status.name}: {exc.details()}", code) from None  # type: ignore[attr-defined]
    except (redis.RedisError, RuntimeError) as exc:
        raise fail(f"cannot reach Redis: {exc}") from None


@tenants_app.command("create")
def tenants_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Tenant id: lowercase letters, digits and dashes.")],
    display_name: Annotated[str, typer.Option(help="Human-readable name (default: the id).")] = "",
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create a tenant (a no-op if it exists)."""
    if _run(ctx, lambda b: b.create_tenant(name, display_name), data_dir, redis_url, redis_prefix):
        console.print(f"created tenant [bold]{name}[/]; next: kiln admin keys create {name}")
    else:
        console.print(f"tenant [bold]{name}[/] already exists")


@tenants_app.command("list")
def tenants_list(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List tenants with their number of API keys."""
    rows = table("TENANT", "DISPLAY NAME", "KEYS", "CREATED")
    for row in _run(ctx, lambda b: b.tenants(), data_dir, redis_url, redis_prefix):
        rows.add_row(*row)
    show(rows)


@tenants_app.command("delete")
def tenants_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The tenant to delete, with all of its data.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Delete a tenant: its keys, jobs, datasets, models, feedback, deployments and artifacts."""
    if not yes and not typer.confirm(f"delete tenant {name} and all of its data?"):
        raise typer.Exit(EXIT_FAILED)
    result = _run(ctx, lambda b: b.delete_tenant(name), data_dir, redis_url, redis_prefix)
    console.print(f"deleted tenant [bold]{name}[/]: " + ", ".join(f"{k} {v}" for k, v in result.items()))


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant the key acts for.")],
    role: Annotated[RoleChoice, typer.Option(help="What the key may do.")] = RoleChoice.member,
    ttl: Annotated[int, typer.Option(help="Seconds until the key expires; 0 never.", min=0)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the secret (for scripts).")] = False,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Create an API key; the secret is printed once and never stored in clear."""
    key_id, secret = _run(ctx, lambda b: b.create_key(tenant, role.value, ttl), data_dir, redis_url, redis_prefix)
    _print_secret(key_id, tenant, secret, quiet)


def _print_secret(key_id: str, tenant: str, secret: str, quiet: bool) -> None:
    if quiet:
        typer.echo(secret)
        return
    console.print(f"created key [bold]{key_id}[/] for tenant [bold]{tenant}[/]")
    console.print(f"secret: [bold green]{secret}[/]", highlight=False, soft_wrap=True)
    console.print("[yellow]store it now: it cannot be shown again.[/] Use it as KILN_API_KEY or --api-key.")


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant whose keys to list.")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """List a tenant's key ids with role, expiry and last use (never the secrets)."""
    rows = table("KEY ID", "ROLE", "CREATED", "EXPIRES", "LAST USED")
    for row in _run(ctx, lambda b: b.keys(tenant), data_dir, redis_url, redis_prefix):
        rows.add_row(*row)
    show(rows)


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant that owns the key.")],
    key_id: Annotated[str, typer.Argument(help="The key id shown at creation (not the secret).")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Revoke an API key; requests with it fail UNAUTHENTICATED from now on."""
    if not _run(ctx, lambda b: b.revoke_key(tenant, key_id), data_dir, redis_url, redis_prefix):
        raise fail(f"tenant {tenant!r} has no key {key_id!r}")
    console.print(f"revoked key [bold]{key_id}[/] of tenant [bold]{tenant}[/]")


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant that owns the key.")],
    key_id: Annotated[str, typer.Argument(help="The key to replace.")],
    grace: Annotated[int, typer.Option(help="Seconds the old key keeps working (0: ends now).", min=0)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new secret.")] = False,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Replace an API key by a new one with the same role."""
    new_id, secret = _run(ctx, lambda b: b.rotate_key(tenant, key_id, grace), data_dir, redis_url, redis_prefix)
    _print_secret(new_id, tenant, secret, quiet)


@quotas_app.command("get")
def quotas_get(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant.")],
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Show a tenant's effective quotas."""
    rows = table("QUOTA", "VALUE")
    for name, value in _run(ctx, lambda b: b.quotas(tenant), data_dir, redis_url, redis_prefix).items():
        rows.add_row(name, f"{value:g}")
    show(rows)


@quotas_app.command("set")
def quotas_set(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Argument(help="The tenant.")],
    values: Annotated[
        list[str] | None, typer.Argument(help="NAME=VALUE pairs, e.g. gpus=2 sampling_requests_per_s=5.")
    ] = None,
    reset: Annotated[list[str] | None, typer.Option(help="A quota to put back to the default (repeatable).")] = None,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Set (or --reset) a tenant's quota overrides."""
    from kiln_server.tenants.quotas import Quotas

    parsed: dict[str, float] = {}
    for pair in values or []:
        name, sep, text = pair.partition("=")
        if not sep or name not in Quotas.names():
            raise fail(f"expected NAME=VALUE with NAME one of {', '.join(Quotas.names())}, got {pair!r}", EXIT_USAGE)
        try:
            number = float(text)
        except ValueError:
            raise fail(f"{name}: not a number: {text!r}", EXIT_USAGE) from None
        parsed[name] = number if name.startswith("sampling_") else int(number)
    result = _run(ctx, lambda b: b.set_quotas(tenant, parsed, list(reset or [])), data_dir, redis_url, redis_prefix)
    rows = table("QUOTA", "VALUE")
    for name, value in result.items():
        rows.add_row(name, f"{value:g}")
    show(rows)


@app.command("audit")
def audit(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option(help="Only this tenant's calls.")] = "",
    method: Annotated[str, typer.Option(help="Only methods containing this text, e.g. CreateJob.")] = "",
    limit: Annotated[int, typer.Option(help="Most entries, newest first.", min=1, max=1000)] = 50,
    data_dir: DataDirOption = None,
    redis_url: RedisUrlOption = None,
    redis_prefix: RedisPrefixOption = None,
) -> None:
    """Show the audit log: every mutating call, who made it and how it ended."""
    rows = table("TIME", "TENANT", "WHO", "ROLE", "METHOD", "RESOURCE", "CODE")
    for row in _run(ctx, lambda b: b.audit(tenant, method, limit), data_dir, redis_url, redis_prefix):
        rows.add_row(*row)
    show(rows)
