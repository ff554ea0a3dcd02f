"""Every Redis key Kiln uses, in one place. Tenant-owned keys all start with {prefix}:t:{tenant}:.

Keeping tenant ids inside the key (instead of a tenant field checked after a lookup) makes it
impossible for one tenant's request to read another's record: the key simply does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "kiln"

    # -- global ------------------------------------------------------------------------------
    def api_key(self, key_hash: str) -> str:
        return f"{self.prefix}:apikey:{key_hash}"

    def tenants(self) -> str:
        return f"{self.prefix}:tenants"

    def tenant(self, tenant: str) -> str:
        return f"{self.prefix}:tenant:{tenant}"

    def tenant_keys(self, tenant: str) -> str:
        return f"{self.prefix}:tenant:{tenant}:keys"

    def tenant_quotas(self, tenant: str) -> str:
        """Hash of an admin's quota overrides for the tenant (field -> value)."""
        return f"{self.prefix}:tenant:{tenant}:quotas"

    def cert_subjects(self) -> str:
        """Hash of client-certificate subject (mutual TLS) -> "tenant/role"."""
        return f"{self.prefix}:certsubjects"

    def audit(self) -> str:
        """Stream of audit entries: every mutating call (who, what, when, result)."""
        return f"{self.prefix}:audit"

    def job_queue(self) -> str:
        """List of "tenant/job_id" waiting for the scheduler."""
        return f"{self.prefix}:queue"

    def active_jobs(self) -> str:
        """Set of "tenant/job_id" not yet in a final state; the reconciler walks it."""
        return f"{self.prefix}:active"

    def gateway(self, instance: str) -> str:
        """Heartbeat of a gateway instance; expires when the gateway dies."""
        return f"{self.prefix}:gateway:{instance}"

    # -- per tenant --------------------------------------------------------------------------
    def _t(self, tenant: str) -> str:
        return f"{self.prefix}:t:{tenant}"

    def idempotency(self, tenant: str, kind: str, request_id: str) -> str:
        return f"{self._t(tenant)}:idem:{kind}:{request_id}"

    def job(self, tenant: str, job_id: str) -> str:
        return f"{self._t(tenant)}:job:{job_id}"

    def jobs(self, tenant: str) -> str:
        return f"{self._t(tenant)}:jobs"

    def job_events(self, tenant: str, job_id: str) -> str:
        return f"{self._t(tenant)}:job:{job_id}:events"

    def job_checkpoints(self, tenant: str, job_id: str) -> str:
        return f"{self._t(tenant)}:job:{job_id}:checkpoints"

    def dataset(self, tenant: str, dataset_id: str) -> str:
        return f"{self._t(tenant)}:dataset:{dataset_id}"

    def datasets(self, tenant: str) -> str:
        return f"{self._t(tenant)}:datasets"

    def model(self, tenant: str, model_id: str) -> str:
        return f"{self._t(tenant)}:model:{model_id}"

    def models(self, tenant: str) -> str:
        return f"{self._t(tenant)}:models"

    def sample(self, tenant: str, sample_id: str) -> str:
        """Hash of one generated sample (prompt, text, model, version, params); expires."""
        return f"{self._t(tenant)}:sample:{sample_id}"

    def cache_entry(self, tenant: str, model_version: str, digest: str) -> str:
        """A cached sampling result; the tenant and model version are part of the key."""
        return f"{self._t(tenant)}:cache:{model_version}:{digest}"

    def cache_index(self, tenant: str, model_version: str) -> str:
        """Set of the cache keys of one model version, so deleting the model drops them."""
        return f"{self._t(tenant)}:cacheidx:{model_version}"

    def storage_bytes(self, tenant: str) -> str:
        """Counter of the bytes the tenant stores (datasets, models, job artifacts)."""
        return f"{self._t(tenant)}:storage_bytes"

    def deployment(self, tenant: str, model_id: str) -> str:
        """Hash describing where a model is deployed (target, replicas, state, app name)."""
        return f"{self._t(tenant)}:deployment:{model_id}"

    def rate_bucket(self, tenant: str, what: str) -> str:
        """Token bucket (hash: tokens, ts) of one of the tenant's rate limits."""
        return f"{self._t(tenant)}:rate:{what}"

    # -- feedback ----------------------------------------------------------------------------
    def feedback(self, tenant: str) -> str:
        """Stream of the tenant's feedback records, append-only; entry ids give create times."""
        return f"{self._t(tenant)}:feedback"

    def feedback_ids(self, tenant: str) -> str:
        """Hash feedback_id -> "{stream entry id}/{content fingerprint}", for idempotent submits."""
        return f"{self._t(tenant)}:feedback:ids"

    # -- sweeps ------------------------------------------------------------------------------
    def sweep_queue(self) -> str:
        """List of "tenant/sweep_id" waiting for a gateway to drive them."""
        return f"{self.prefix}:sweepqueue"

    def active_sweeps(self) -> str:
        """Set of "tenant/sweep_id" not yet in a final state; the sweep manager walks it."""
        return f"{self.prefix}:sweepactive"

    def sweep(self, tenant: str, sweep_id: str) -> str:
        return f"{self._t(tenant)}:sweep:{sweep_id}"

    def sweeps(self, tenant: str) -> str:
        return f"{self._t(tenant)}:sweeps"

    def sweep_events(self, tenant: str, sweep_id: str) -> str:
        return f"{self._t(tenant)}:sweep:{sweep_id}:events"

    def sweep_study(self, tenant: str, sweep_id: str) -> str:
        """Prefix of the sweep's Optuna journal (JournalRedisBackend keys start with it)."""
        return f"{self._t(tenant)}:sweep:{sweep_id}:study:"

    # -- evaluations -------------------------------------------------------------------------
    def evaluation_queue(self) -> str:
        """List of "tenant/evaluation_id" waiting for a gateway to run them on Ray."""
        return f"{self.prefix}:evalqueue"

    def active_evaluations(self) -> str:
        """Set of "tenant/evaluation_id" not yet in a final state; the reconciler walks it."""
        return f"{self.prefix}:evalactive"

    def evaluation(self, tenant: str, evaluation_id: str) -> str:
        return f"{self._t(tenant)}:eval:{evaluation_id}"

    def evaluations(self, tenant: str) -> str:
        return f"{self._t(tenant)}:evals"

    def evaluation_events(self, tenant: str, evaluation_id: str) -> str:
        return f"{self._t(tenant)}:eval:{evaluation_id}:events"

    def evaluation_results(self, tenant: str, digest: str) -> str:
        """Results of a succeeded evaluation by the digest of what it measured, for reuse."""
        return f"{self._t(tenant)}:evalresults:{digest}"
