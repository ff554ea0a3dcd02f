"""ExportModel's domain side: run a compression off the gateway and register the result.

`ModelExporter.export` takes an ExportSpec (models/spec.py), runs `kiln_trainer.compress.export_model`
as a Ray task (a thread when Ray is not up), uploads the compressed directory to the artifact store
and registers it as a new model through the model store, idempotently per request_id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from kiln_server.datasets.store import DatasetStore
from kiln_server.models.record import ModelRecord
from kiln_server.models.ref import ModelRef
from kiln_server.models.spec import ExportSpec
from kiln_server.models.store import ModelStore
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import FailedPrecondition, NotFound
from kiln_server.sampling.router import Router
from kiln_server.tenants.storage import StorageLedger, full

log = logging.getLogger("kiln.export")

MAX_CALIBRATION_TEXTS = 64
# Perplexity before/after is measured on these many held-out demo texts when no calibration set is
# given; the seed differs from the one that generated the shipped demo dataset.
EVAL_TEXTS, EVAL_SEED = 32, 20_240_601


def record_texts(record: dict) -> str:
    """One training-format record as plain text (for calibration and perplexity)."""
    if "messages" in record:
        return "\n".join(m.get("content", "") for m in record["messages"])
    return "".join(str(record.get(k, "")) for k in ("prompt", "completion", "chosen"))


def run_export(src: str, out_dir: str, spec: dict, calibration_texts: list[str] | None, eval_texts: list[str]) -> dict:
    """Blocking; runs where torch lives (a Ray worker). Returns ExportReport.to_dict()."""
    from kiln_trainer.compress import export_model

    report = export_model(
        src,
        out_dir,
        quantization=spec["quantization"],
        group_size=spec["group_size"],
        activation_aware=spec["activation_aware"],
        calibration_texts=calibration_texts,
        prune_sparsity=spec["prune_sparsity"],
        structured=spec["structured"],
        eval_texts=eval_texts,
    )
    return report.to_dict()


IMAGE_EXPORT_METRICS = ("fid_before", "fid_after", "size_bytes", "original_size_bytes", "size_ratio")


def run_image_export(src: str, out_dir: str) -> dict:
    """Blocking; runs on a Ray worker: the int8 copy of an image model and its report."""
    from kiln_trainer.compress.image_int8 import quantize_image_model

    return quantize_image_model(src, out_dir)


class ModelExporter:
    def __init__(
        self,
        models: ModelStore,
        datasets: DatasetStore | None,
        artifacts: ArtifactStore,
        router: Router,
        scratch: Path,
        ledger: StorageLedger | None = None,
    ):
        self.ledger = ledger
        self.models = models
        self.datasets = datasets
        self.artifacts = artifacts
        self.router = router
        self.scratch = Path(scratch)

    async def _reserve(self, tenant: str, work: Path) -> int:
        """Reserves the export's bytes (its size_bytes) against the tenant's storage quota."""
        size = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())
        if self.ledger is not None:
            await self.ledger.reserve(tenant, size, "this export")
        return size

    async def _release(self, tenant: str, size: int) -> None:
        if self.ledger is not None and size:
            await self.ledger.release(tenant, size)

    async def export(self, tenant: str, spec: ExportSpec) -> str:
        """The new model's id (or the earlier one for a repeated request_id)."""
        fingerprint = spec.fingerprint()
        if (earlier := await self.models.seen_request(tenant, spec.request_id, fingerprint)) is not None:
            return earlier
        if self.ledger is not None and await self.ledger.room(tenant) <= 0:
            # A tenant whose storage is full gets its answer before minutes of compression.
            raise full(tenant, "this export")
        ref = await self.router.model_ref(tenant, spec.source)
        if ref.family == "image":
            return await self._export_image(tenant, spec, ref, fingerprint)
        if ref.family not in ("causal_lm", ""):
            raise FailedPrecondition(
                f"{spec.source} is a {ref.family} model; only causal LMs can be exported", subject=spec.source
            )
        source_dir = self.router.serve_path(ref)
        if (Path(source_dir) / "kiln_compress.json").exists():
            base = ref.record.base_model if ref.record is not None else None
            raise FailedPrecondition(
                f"{spec.source} is already a compressed export; export its base model {base} instead",
                subject=spec.source,
            )
        calibration = await self._calibration_texts(tenant, spec) if spec.activation_aware else None
        eval_texts = calibration or self._held_out_texts()

        model_id = names.new_id("models")
        work = self.scratch / "exports" / model_id
        try:
            report = await self._run(source_dir, work, spec, calibration, eval_texts)
        except ValueError as exc:  # export_model's own argument checks
            raise FailedPrecondition(f"cannot export {spec.source}: {exc}", subject=spec.source) from exc
        rel = f"models/{tenant}/{model_id}"
        reserved = 0
        try:
            # Reserved before anything is stored: past the storage quota nothing is written.
            reserved = await self._reserve(tenant, work)
            uri = await asyncio.to_thread(self.artifacts.put_dir, work, rel)
            manifest = json.loads((work / "kiln_compress.json").read_text())
            size = sum(f.stat().st_size for f in work.rglob("*") if f.is_file())
            now = int(time.time() * 1000)
            metrics = {
                "size_bytes": float(report["size_bytes"]),
                "size_ratio": float(report["size_ratio"]),
                "original_size_bytes": float(report["original_size_bytes"]),
                "sparsity": float(report["sparsity"]),
            }
            for key in ("perplexity_before", "perplexity_after"):
                if report.get(key) is not None:
                    metrics[key] = float(report[key])
            label = spec.quantization or f"pruned-{spec.prune_sparsity:g}"
            display = (ref.record.display_name if ref.record is not None else "") or spec.source
            model = ModelRecord(
                id=model_id,
                display_name=f"{display} ({label})",
                base_model=spec.source,
                artifact_uri=uri,
                artifact_rel=rel,
                version=f"{model_id}@{manifest['sha256'][:12]}",
                parameter_count=report["parameter_count"],
                size_bytes=size,
                quantization=(spec.quantization or "").upper(),
                metrics=metrics,
                create_time=now,
                labels={
                    "export.group_size": str(report.get("group_size") or ""),
                    "export.activation_aware": str(spec.activation_aware).lower(),
                },
            )
            stored = await self.models.create(tenant, model, request_id=spec.request_id, fingerprint=fingerprint)
        except BaseException:
            await asyncio.to_thread(self.artifacts.delete, rel)
            await self._release(tenant, reserved)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if stored != model_id:  # a concurrent retry with the same request_id won the race
            await asyncio.to_thread(self.artifacts.delete, rel)
            await self._release(tenant, reserved)
        log.info(
            "model exported",
            extra={
                "model": f"models/{stored}",
                "source": spec.source,
                "quantization": spec.quantization,
                "size_ratio": report["size_ratio"],
            },
        )
        return stored

    async def _export_image(self, tenant: str, spec: ExportSpec, ref: ModelRef, fingerprint: str) -> str:
        """Int8 weight-only export of an image model (compress/image_int8.py), with its FID
        before and after on the held-out digits as the new model's metrics."""
        unsupported = [
            msg
            for bad, msg in (
                (spec.quantization != "int8", f"quantization {(spec.quantization or 'none').upper()} (only INT8)"),
                (spec.prune_sparsity > 0, "pruning"),
                (spec.activation_aware, "activation-aware calibration"),
            )
            if bad
        ]
        if unsupported:
            raise FailedPrecondition(
                f"{spec.source} is an image model: it exports with INT8 weight-only quantization alone, "
                f"not {', '.join(unsupported)}",
                subject=spec.source,
            )
        source_dir = self.router.serve_path(ref)
        config = json.loads((Path(source_dir) / "config.json").read_text())
        if config.get("quantization"):
            raise FailedPrecondition(f"{spec.source} is already a quantized export", subject=spec.source)
        model_id = names.new_id("models")
        work = self.scratch / "exports" / model_id
        args = (source_dir, str(work))
        import ray

        if ray.is_initialized():
            report = await ray.remote(num_cpus=1, max_retries=0)(run_image_export).remote(*args)
        else:
            report = await asyncio.to_thread(run_image_export, *args)
        rel = f"models/{tenant}/{model_id}"
        reserved = 0
        try:
            # Reserved before anything is stored: past the storage quota nothing is written.
            reserved = await self._reserve(tenant, work)
            uri = await asyncio.to_thread(self.artifacts.put_dir, work, rel)
            digest = hashlib.sha256((work / "model.safetensors").read_bytes()).hexdigest()
            display = (ref.record.display_name if ref.record is not None else "") or spec.source
            model = ModelRecord(
                id=model_id,
                display_name=f"{display} (int8)",
                family="image",
                base_model=spec.source,
                artifact_uri=uri,
                artifact_rel=rel,
                version=f"{model_id}@{digest[:12]}",
                parameter_count=ref.record.parameter_count if ref.record is not None else 0,
                size_bytes=sum(f.stat().st_size for f in work.rglob("*") if f.is_file()),
                quantization="INT8",
                metrics={k: float(report[k]) for k in IMAGE_EXPORT_METRICS},
                create_time=int(time.time() * 1000),
            )
            stored = await self.models.create(tenant, model, request_id=spec.request_id, fingerprint=fingerprint)
        except BaseException:
            await asyncio.to_thread(self.artifacts.delete, rel)
            await self._release(tenant, reserved)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if stored != model_id:  # a concurrent retry with the same request_id won the race
            await asyncio.to_thread(self.artifacts.delete, rel)
            await self._release(tenant, reserved)
        log.info("image model exported", extra={"model": f"models/{stored}", "source": spec.source, **report})
        return stored

    async def _run(self, src: str, work: Path, spec: ExportSpec, calibration, eval_texts) -> dict:
        args = (src, str(work), asdict(spec), calibration, eval_texts)
        import ray

        if ray.is_initialized():
            # Compression loads the full model: a Ray worker, not the gateway, does it.
            return await ray.remote(num_cpus=1, max_retries=0)(run_export).remote(*args)
        return await asyncio.to_thread(run_export, *args)

    async def _calibration_texts(self, tenant: str, spec: ExportSpec) -> list[str]:
        dataset_id = names.parse(spec.calibration_dataset, "datasets", "calibration_dataset")
        record = await self.datasets.get(tenant, dataset_id) if self.datasets is not None else None
        if record is None:
            raise NotFound("dataset", spec.calibration_dataset)

        def read() -> list[str]:
            from kiln_trainer.data.formats import read_jsonl

            local = self.artifacts.local_path(record.artifact_rel)
            if local is None:
                local = self.artifacts.get_file(record.artifact_rel, self.scratch / "calibration" / dataset_id)
            texts = [record_texts(r) for r in read_jsonl(local, record.format)[:MAX_CALIBRATION_TEXTS]]
            return [t for t in texts if t.strip()]

        texts = await asyncio.to_thread(read)
        if not texts:
            raise FailedPrecondition(
                f"{spec.calibration_dataset} has no usable text for calibration", subject=spec.calibration_dataset
            )
        return texts

    @staticmethod
    def _held_out_texts() -> list[str]:
        from kiln_trainer.data.demo import demo_sft_records

        return [record_texts(r) for r in demo_sft_records(EVAL_TEXTS, seed=EVAL_SEED)]
