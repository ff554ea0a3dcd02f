"""Gateway configuration: environment variables with the KILN_ prefix, overridable by CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from kiln_server.tenants.quotas import Quotas


class KilnConfig(BaseSettings):
    """Everything the gateway needs; every field can be set as KILN_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="KILN_", extra="forbid", validate_assignment=True)

    host: str = Field("127.0.0.1", description="Address the gRPC server binds to.")
    port: int = Field(50051, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    data_dir: Path = Field(Path(".kiln"), description="Embedded Redis, scratch space and default artifacts.")
    redis_url: str | None = Field(None, description="External Redis; unset starts a private one under data_dir.")
    redis_prefix: str = Field(
        "kiln", pattern=r"^[a-z0-9_-]{1,32}$", description="Key prefix, so deployments can share a Redis."
    )
    ray_address: str | None = Field(None, description="Existing Ray cluster; unset starts a local instance.")
    ray_num_cpus: int | None = Field(
        None, ge=1, description="Logical CPUs of the local Ray instance (default: the machine's)."
    )
    artifact_url: str | None = Field(
        None, description="Artifact store root (path or fsspec URL); default data_dir/artifacts."
    )
    metrics_port: int | None = Field(None, ge=0, le=65535, description="Prometheus port; unset disables it.")
    shared_model_dirs: str = Field(
        "",
        description="Directories of shared base models (separated by ':') that CreateJob may name by absolute "
        "path (base_model, teacher_model, ...); empty (the default) accepts no server path at all.",
    )
    max_upload_bytes: int = Field(256 * 1024 * 1024, ge=1, description="Largest dataset upload accepted.")
    max_concurrent_jobs: int = Field(4, ge=1, description="Jobs this gateway runs on Ray at once.")
    default_max_retries: int = Field(2, ge=0, le=10, description="Retries of a job whose worker died.")
    cancel_grace_s: float = Field(5.0, ge=0, description="Seconds a cancelled worker gets before it is killed.")
    shutdown_grace_s: float = Field(5.0, ge=0, description="Seconds in-flight RPCs get on shutdown.")
    sample_ttl_s: int = Field(30 * 24 * 3600, ge=60, description="How long generated samples are kept for feedback.")
    cache_ttl_s: int = Field(24 * 3600, ge=1, description="Lifetime of a cached sampling result.")
    cache_max_bytes: int = Field(
        256 * 1024 * 1024, ge=0, description="Bound on the result cache's size in Redis; 0 disables caching."
    )
    local_cache_ttl_s: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Seconds each gateway keeps API keys, model routes and quotas it read from Redis (0: not "
        "at all); a change made through another gateway (a revoked key, an undeployed model) applies here "
        "within this bound.",
    )
    deploy_on_demand: bool = Field(
        False, description="Sampling an undeployed model deploys it on Ray Serve (1 replica) instead of failing."
    )
    serve_max_batch: int = Field(32, ge=1, le=1024, description="Rows in one replica's running batch.")
    serve_max_queue: int = Field(64, ge=1, description="Requests waiting per replica before RESOURCE_EXHAUSTED.")
    serve_replica_cpus: float = Field(1.0, gt=0, description="Logical CPUs reserved by each serving replica.")
    deploy_pending_timeout_s: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="How long a DeployModel waits (state PENDING) for a busy cluster to free room for its "
        "replicas before RESOURCE_EXHAUSTED. Replicas the cluster can never place fail at once.",
    )
    deploy_timeout_s: float = Field(
        600.0, gt=0, le=86400, description="How long placed replicas may take to become READY before FAILED."
    )
    triton_url: str | None = Field(
        None,
        description="gRPC address (host:port) of an external Triton server; unset starts a private "
        "tritonserver (from nvidia-pytriton) on the first TRITON deployment.",
    )
    triton_model_repository: Path | None = Field(
        None,
        description="Triton model repository the gateway writes entries to; default data_dir/triton/models. "
        "With triton_url it must be the directory that server was started with (shared storage).",
    )
    quota_queued_jobs: int = Field(20, ge=0, description="Default per-tenant quota: jobs waiting in the queue.")
    quota_running_jobs: int = Field(
        4, ge=0, description="Default per-tenant quota: jobs running at once (more wait; the queue is fair-shared)."
    )
    quota_gpus: int = Field(8, ge=0, description="Default per-tenant quota: GPUs reserved by active jobs together.")
    quota_deployments: int = Field(4, ge=0, description="Default per-tenant quota: models deployed at once.")
    quota_replicas: int = Field(8, ge=0, description="Default per-tenant quota: serving replicas in all.")
    quota_storage_bytes: int = Field(
        100 * 1024**3,
        ge=0,
        le=2**50,
        description="Default per-tenant quota: bytes stored in datasets, models and job artifacts together.",
    )
    quota_sampling_requests_per_s: float = Field(
        50.0, ge=0, le=1e9, description="Default per-tenant sampling calls per second (bursts of 2 s worth)."
    )
    quota_sampling_tokens_per_s: float = Field(
        20000.0, ge=0, le=1e9, description="Default per-tenant sampled tokens per second, charged n x max_tokens."
    )
    tls_cert_file: Path | None = Field(
        None, description="PEM server certificate (chain); with tls_key_file, serve TLS."
    )
    tls_key_file: Path | None = Field(None, description="PEM private key of tls_cert_file.")
    tls_client_ca_file: Path | None = Field(
        None,
        description="PEM CA bundle for mutual TLS: every connection must then present a client certificate "
        "it signed; one whose subject an admin mapped authenticates its tenant without an API key.",
    )
    log_level: str = Field("INFO", description="Python logging level.")
    log_json: bool = Field(True, description="One JSON object per log line.")

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"log_level must be DEBUG, INFO, WARNING or ERROR, got {v!r}")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"redis_url must start with redis://, rediss:// or unix://, got {v!r}")
        return v or None

    @model_validator(mode="after")
    def _tls(self) -> KilnConfig:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_client_ca_file needs tls_cert_file and tls_key_file (mutual TLS is TLS)")
        return self

    def quotas(self) -> Quotas:
        """The default quotas of every tenant (an admin overrides them per tenant)."""
        from kiln_server.tenants.quotas import Quotas

        return Quotas(**{name: getattr(self, f"quota_{name}") for name in Quotas.names()})

    @property
    def artifact_root(self) -> str:
        return self.artifact_url or str((self.data_dir / "artifacts").resolve())

    @property
    def triton_repository(self) -> Path:
        return (self.triton_model_repository or self.data_dir / "triton" / "models").resolve()

    @property
    def shared_model_roots(self) -> tuple[Path, ...]:
        return tuple(Path(p).resolve() for p in self.shared_model_dirs.split(":") if p.strip())

    @property
    def scratch_dir(self) -> Path:
        return (self.data_dir / "scratch").resolve()
