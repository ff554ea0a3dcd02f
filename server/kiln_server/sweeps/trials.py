"""A trial's job: created from the template through the ordinary job path, and judged by the
job's own record once it ends.

The job's request_id is derived from (sweep, trial number), so creating it again (a gateway that
adopted the sweep after a crash between Optuna's ask and the record write) returns the same job
instead of starting a second one.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln.v1 import jobs_pb2
from kiln_server.jobs.record import JobRecord, new_job
from kiln_server.jobs.spec import JobSpecBuilder
from kiln_server.jobs.store import JobStore
from kiln_server.models.store import ModelStore
from kiln_server.operations.create import NewOperation, create_once
from kiln_server.platform import names
from kiln_server.sweeps import metrics
from kiln_server.sweeps.spec import SweepPlan


@dataclass
class TrialJobs:
    jobs: JobStore
    specs: JobSpecBuilder
    models: ModelStore

    async def create(
        self,
        tenant: str,
        sweep_id: str,
        display_name: str,
        number: int,
        job: jobs_pb2.Job,
        objectives: frozenset[str] = frozenset(),
    ) -> JobRecord:
        """The trial's job (the same one when called again); `objectives`: the metrics the sweep
        judges it on."""
        job.sweep = names.name_of("sweeps", sweep_id)
        job.display_name = f"{display_name} · trial {number}"[:200]

        async def new() -> NewOperation[JobRecord]:
            spec = await self.specs.build(job, tenant)
            if metrics.DECODE_LATENCY in objectives:
                # The trainer measures decode latency only when asked (configs/sft.py): this
                # sweep judges its trials on it.
                spec.config["measure_decode_latency"] = True
            return new_job(tenant, job, spec)

        return await create_once(self.jobs, tenant, f"sweep-{sweep_id}-trial-{number}", job, new)

    async def objective_values(self, record: JobRecord, plan: SweepPlan) -> tuple[list[float], str]:
        """The objective values of a SUCCEEDED job, or ([], why) when one is missing."""
        out = []
        for o in plan.objectives:
            value = await self._metric(record, o.metric)
            if value is None:
                return [], f"{record.spec.name or 'the job'} did not report {o.metric!r}"
            out.append(value)
        return out, ""

    async def _metric(self, record: JobRecord, metric: str) -> float | None:
        if metric == metrics.WALL_TIME:
            if record.start_time is None or record.end_time is None:
                return None
            return (record.end_time - record.start_time) / 1000
        if metric == metrics.PARAMETER_COUNT:
            if not record.output_model:
                return None
            model = await self.models.get(record.tenant, names.parse(record.output_model, "models"))
            return float(model.parameter_count) if model is not None and model.parameter_count else None
        if metric in record.metrics:
            return record.metrics[metric]
        # Result-only metrics (best_val_loss, train_*, steps) are on the registered model.
        if not record.output_model:
            return None
        model = await self.models.get(record.tenant, names.parse(record.output_model, "models"))
        return model.metrics.get(metric) if model is not None else None
