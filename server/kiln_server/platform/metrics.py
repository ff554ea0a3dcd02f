"""Prometheus metrics of the gateway (served on KILN_METRICS_PORT when set)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RPC_TOTAL = Counter("kiln_rpc_total", "RPCs handled", ["method", "code"])
RPC_LATENCY = Histogram(
    "kiln_rpc_latency_seconds",
    "RPC latency (for streams: until the stream ends)",
    ["method"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
RPC_IN_FLIGHT = Gauge("kiln_rpc_in_flight", "RPCs in progress", ["method"])
JOBS_STARTED = Counter("kiln_jobs_started_total", "Job attempts submitted to Ray", ["method"])
JOBS_FINISHED = Counter("kiln_jobs_finished_total", "Jobs that reached a final state", ["state"])
JOBS_RUNNING = Gauge("kiln_jobs_running", "Jobs this gateway is running on Ray")
UPLOAD_BYTES = Counter("kiln_dataset_upload_bytes_total", "Dataset bytes accepted")
SAMPLE_TTFT = Histogram(
    "kiln_sampling_time_to_first_token_seconds",
    "Streamed requests: time until the first token",
    ["model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SAMPLE_TOKENS = Counter("kiln_sampling_tokens_total", "Tokens generated (not counting cache hits)", ["model"])
SAMPLE_TOKENS_PER_S = Histogram(
    "kiln_sampling_tokens_per_second",
    "Per-request generation speed (completion tokens / seconds)",
    ["model"],
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000),
)
BATCH_OCCUPANCY = Gauge(
    "kiln_sampling_batch_occupancy", "Running rows / max batch of the replica last heard from", ["model"]
)
QUEUE_DEPTH = Gauge("kiln_sampling_queue_depth", "Requests waiting in the replica last heard from", ["model"])
CACHE_LOOKUPS = Counter("kiln_sampling_cache_lookups_total", "Result-cache lookups", ["result"])  # hit|miss|error
CACHE_HIT_RATIO = Gauge("kiln_sampling_cache_hit_ratio", "Cache hits / lookups since the gateway started")
