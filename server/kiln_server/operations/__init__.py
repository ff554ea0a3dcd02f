"""The one long-running-operation lifecycle that jobs and evaluations specialise (and sweeps will).

An operation is created QUEUED, dispatched to Ray as numbered attempts, watched to a final state
(SUCCEEDED, FAILED, CANCELLED), and retried when its worker is lost. The pieces:

    record.py   State, FINAL_STATES, and OperationRecord: the fields the lifecycle reads and writes
    events.py   Event (an entry of the operation's Redis stream), state events, event-id checks
    scripts.py  the Lua scripts: CREATE (idempotent, with first events and queue entry) and
                TRANSITION (fenced by state and attempt); EVENTS_MAXLEN caps every stream
    store.py    OperationKind (where a kind lives in Redis) and OperationStore (async: create,
                transition, events, resume cursor, queue, active set); transition_call for workers
    create.py   create_once: the idempotent Create flow (request_id, fingerprint, atomic write)
    watch.py    watch: the Watch loop, resumable by event id, UNAVAILABLE on shutdown or outage
    queue.py    QueueScheduler: dispatch from the queue, one Ray actor per attempt, monitor, retry
                policy, reconcile and adoption of a dead gateway's attempts, gateway heartbeat
    worker.py   the worker side: AttemptHandle, AttemptReporter (sync, fenced), AttemptRunner
                (the actor's class; it exits LINGER_S after its attempt if nobody collects it)

Adding a kind (e.g. sweeps/), the extension points in order:
1. Keys: the kind's key functions (record, index, events, active set, queue) in platform/keys.py.
2. record.py: `@dataclass(kw_only=True) class SweepRecord(OperationRecord)` with its own fields.
3. store.py: `SWEEPS = OperationKind(...)` naming those keys, and
   `class SweepStore(OperationStore[SweepRecord])` with `operation = SWEEPS` and
   `codec = HashCodec(SweepRecord)`; add the kind's own queries there.
4. service.py: Create through `create_once(store, tenant, request_id, accepted(resource, OUTPUT_FIELDS),
   new)` where `new()` validates (the kind's spec.py) and returns a NewOperation; Watch through
   `watch(store, tenant, id, after_event_id, shutdown)`, converting each Event to the kind's proto.
5. runner.py: `class SweepRunner(AttemptRunner)` with `attempt()`, reporting through a
   `class SweepReporter(AttemptReporter)` (operation = SWEEPS, codec = SweepStore.codec) and
   `fail()`, `transition()`, `event()`; kind-specific fenced writes as scripts in its store.
6. scheduler.py: `class SweepScheduler(QueueScheduler[SweepRecord])` with `launch()` (runner class,
   args, resources), `attempts_allowed()`, and optionally `retry_through`, `requeue_reason`,
   `end_grace_s` and the `attempt_*` hooks; platform/app.py starts it after the job scheduler
   with the job scheduler's `instance` (that scheduler writes the gateway heartbeat).
"""
