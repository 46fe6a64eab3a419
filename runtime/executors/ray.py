"""Training runs as Ray tasks: ``adnn-lint verify --executor ray`` (the ``distributed`` extra).

Each task trains one job, or one stacked group of jobs (the stacked trainer's K models are one
computation, so a group is one task), with an :class:`InProcessExecutor` that the worker builds
once per verification and keeps between tasks. The spec and the data go to the object store
once (``ray.put``); tasks read them from there, so workers never need the user's files.

A task declares ``cpus_per_run`` CPUs and ``gpus_per_run`` GPUs. In the worker, TensorFlow gets
as many intra-op and inter-op threads as the task has whole CPUs, sees only the GPUs Ray gave the
task (Ray sets ``CUDA_VISIBLE_DEVICES``; none at all when it asked for none), and grows its GPU
memory instead of taking the whole card, so fractional GPUs can share one.

At most :attr:`RayExecutor.slots` tasks are in flight (the cluster's capacity for tasks of that
size, read again at every batch), so runs in flight are running, not waiting in Ray's queue, and
Ctrl-C has little to cancel. A task whose worker or node dies is retried by Ray
(``max_retries``); one that still fails, or raises, comes back as a failed :class:`Outcome`
carrying the error, for the verifier to record. Ray is imported only here, and only when an
executor is made.
"""

from __future__ import annotations

import logging
import math
import socket
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from adnn_lint.runtime.data import Dataset
from adnn_lint.runtime.executors.local import (
    DEFAULT_MEMORY_BUDGET,
    InProcessExecutor,
    Job,
    Outcome,
    limit_threads,
)
from adnn_lint.runtime.progress import RunCounts
from adnn_lint.spec.model import Spec

INSTALL_HINT = "--executor ray needs the distributed extra: pip install 'adnn-lint[distributed]'"
CONNECT_TIMEOUT = 10.0  # seconds to open a TCP connection to HOST:PORT before asking Ray


class ClusterError(RuntimeError):
    """The cluster cannot be used: not reachable, or too small for one run; names the address."""


@dataclass(frozen=True)
class RayOptions:
    """``address`` None starts a local Ray instance; "auto" or HOST:PORT joins a running one."""

    address: str | None = None
    # None: a stacked group takes the smallest node's CPUs (one multi-threaded computation, as
    # the local executor runs it), a Keras fit() run one CPU
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None  # None: 1 when the cluster has GPUs, else 0
    max_retries: int = 3  # Ray's retries of a task whose worker or node died
    stacked: bool = True
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs besides the spec and data; ``key`` names one verification."""

    key: str
    trainer: str
    stacked: bool
    memory_budget_bytes: int
    threads: int
    gpus: float


# One verification's executor per worker process: built on its first task, reused after.
_WORKER_EXECUTORS: dict[str, InProcessExecutor] = {}
_CONFIGURED: list[bool] = []  # non-empty once this process has set up TensorFlow

TaskFunction = Callable[[Spec, Dataset, WorkerSetup, Sequence[Job]], list[Outcome]]


def _configure_worker(setup: WorkerSetup) -> None:
    """TensorFlow's threads and devices, once per process (they are fixed at its first op)."""
    import tensorflow as tf

    limit_threads(setup.threads)  # later verifications: raises if they ask for another count
    if _CONFIGURED:
        return
    gpus = tf.config.list_physical_devices("GPU")
    if setup.gpus <= 0:
        tf.config.set_visible_devices([], "GPU")
    else:
        for gpu in gpus:
            tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.experimental.enable_op_determinism()
    _CONFIGURED.append(True)


def _own_copy(data: Dataset) -> Dataset:
    """The arrays in this process's memory, writable, once per verification.

    Ray hands a task read-only views of the object store's shared memory; the copy (one per
    worker and verification) makes a worker train from the same kind of memory as the local
    executor does.
    """
    import numpy as np

    return replace(
        data,
        x_train=np.array(data.x_train),
        y_train=np.array(data.y_train),
        x_val=np.array(data.x_val),
        y_val=np.array(data.y_val),
        x_test=np.array(data.x_test),
        y_test=np.array(data.y_test),
    )


def train_group(
    spec: Spec, data: Dataset, setup: WorkerSetup, jobs: Sequence[Job]
) -> list[Outcome]:
    """The body of one Ray task: train ``jobs`` here, on this worker."""
    executor = _WORKER_EXECUTORS.get(setup.key)
    if executor is None:
        _configure_worker(setup)
        _WORKER_EXECUTORS.clear()  # an earlier verification's model and arrays
        executor = InProcessExecutor(
            spec,
            _own_copy(data),
            stacked=setup.stacked,
            memory_budget_bytes=setup.memory_budget_bytes,
        )
        if executor.trainer != setup.trainer:
            # Mixing trainers would make runs incomparable (docs/verify.md).
            raise RuntimeError(
                f"this worker trains with {executor.trainer}, the driver planned "
                f"{setup.trainer}: install the same adnn-lint extras on every node"
            )
        _WORKER_EXECUTORS[setup.key] = executor
    return list(executor.run(jobs))


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return ray


def _check_reachable(address: str) -> None:
    """HOST:PORT must accept a connection; Ray itself would retry for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"--address {address!r}: expected auto or HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: {exc}") from exc


def _describe(ray: Any, exc: BaseException) -> str:
    """One line: the task's own exception, or what Ray says happened to the worker or node."""
    cause = getattr(exc, "cause", None) if isinstance(exc, ray.exceptions.RayTaskError) else None
    shown = cause if isinstance(cause, BaseException) else exc
    lines = [line.strip() for line in str(shown).splitlines() if line.strip()]
    return f"{type(shown).__name__}: {lines[0] if lines else 'no message'}"


def _node_cpus(ray: Any) -> float:
    """The CPUs of the smallest live node (1 when none reports any): what one stacked group may
    use so that it fits on every node. On one machine that makes a run take all its cores, as
    the local executor's group does, so the two search alike by default."""
    cpus = [
        float(node["Resources"].get("CPU", 0.0))
        for node in ray.nodes()
        if node.get("Alive") and node["Resources"].get("CPU", 0.0) > 0
    ]
    return max(1.0, math.floor(min(cpus))) if cpus else 1.0


class RayExecutor:
    """Runs jobs as Ray tasks on a local instance or a cluster (see module docstring)."""

    name = "ray"  # recorded in the results' environment

    def __init__(
        self,
        spec: Spec,
        data: Dataset,
        options: RayOptions = RayOptions(),
        *,
        on_counts: Callable[[RunCounts], None] | None = None,
        task: TaskFunction = train_group,
    ) -> None:
        if options.cpus_per_run is not None and options.cpus_per_run <= 0:
            raise ValueError(f"--cpus-per-run must be > 0, got {options.cpus_per_run}")
        if options.gpus_per_run is not None and options.gpus_per_run < 0:
            raise ValueError(f"--gpus-per-run must be >= 0, got {options.gpus_per_run}")
        ray = _import_ray()
        # Here first: checks the spec, learns the trainer and the weight shapes (spec_point).
        local = InProcessExecutor(
            spec, data, stacked=options.stacked, memory_budget_bytes=options.memory_budget_bytes
        )
        self.trainer = local.trainer
        self.shapes = local.shapes
        self.address = options.address or "a local Ray instance"
        self._ray = ray
        self._started = False
        if options.address not in (None, "auto"):
            _check_reachable(options.address)
        if not ray.is_initialized():
            self._connect(options.address)
        resources = ray.cluster_resources()
        gpus = options.gpus_per_run
        if gpus is None:
            gpus = 1.0 if resources.get("GPU", 0.0) > 0 else 0.0
        cpus = options.cpus_per_run
        if cpus is None:
            cpus = _node_cpus(ray) if self.trainer == "stacked" else 1.0
        self.cpus_per_run = cpus
        self.gpus_per_run = gpus
        self.threads = max(1, math.floor(cpus))
        self.slots = self._capacity()
        self._setup = WorkerSetup(
            key=uuid.uuid4().hex,
            trainer=self.trainer,
            stacked=options.stacked,
            memory_budget_bytes=options.memory_budget_bytes,
            threads=self.threads,
            gpus=gpus,
        )
        self._spec_ref = ray.put(spec)
        self._data_ref = ray.put(data)  # once; every task reads this copy
        self._remote = ray.remote(task).options(
            num_cpus=cpus,
            num_gpus=gpus,
            max_retries=options.max_retries,
            retry_exceptions=False,  # an exception in training would only repeat
        )
        self._on_counts = on_counts
        self._in_flight: dict[Any, list[Job]] = {}

    def _connect(self, address: str | None) -> None:
        ray = self._ray
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
        except ConnectionError as exc:
            raise ClusterError(f"cannot reach the Ray cluster at {address}: {exc}") from exc
        self._started = address is None

    def _capacity(self) -> int:
        """Runs of this size the cluster can train at once; ClusterError when not even one."""
        resources = self._ray.cluster_resources()
        cpus, gpus = resources.get("CPU", 0.0), resources.get("GPU", 0.0)
        slots = int(cpus // self.cpus_per_run)
        if self.gpus_per_run > 0:
            slots = min(slots, int(gpus // self.gpus_per_run))
        if slots < 1:
            raise ClusterError(
                f"the Ray cluster at {self.address} has {cpus:g} CPUs and {gpus:g} GPUs: "
                f"not enough for one run of {self.cpus_per_run:g} CPUs and "
                f"{self.gpus_per_run:g} GPUs (--cpus-per-run, --gpus-per-run)"
            )
        return slots

    def _groups(self, jobs: Sequence[Job], slots: int) -> list[list[Job]]:
        """One job per task with Keras fit(); stacked, jobs that share a split and a training
        share (halving's screening runs) in ``slots`` groups, as the local executor stacks them."""
        if self.trainer != "stacked":
            return [[job] for job in jobs]
        size = max(1, math.ceil(len(jobs) / slots))
        alike: dict[tuple[str, float], list[Job]] = {}
        for job in jobs:
            alike.setdefault((job.split, job.fraction), []).append(job)
        return [
            same[start : start + size]
            for same in alike.values()
            for start in range(0, len(same), size)
        ]

    def _report(self, queued: int, finished: int, failed: int) -> None:
        if self._on_counts is not None:
            running = sum(len(group) for group in self._in_flight.values())
            self._on_counts(RunCounts(queued, running, finished, failed))

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        ray = self._ray
        slots = self._capacity()  # nodes may have joined or left since the last batch
        waiting = deque(self._groups(jobs, slots))
        queued, finished, failed = len(jobs), 0, 0
        try:
            while waiting or self._in_flight:
                while waiting and len(self._in_flight) < slots:
                    group = waiting.popleft()
                    ref = self._remote.remote(self._spec_ref, self._data_ref, self._setup, group)
                    self._in_flight[ref] = group
                    queued -= len(group)
                self._report(queued, finished, failed)
                [ready], _ = ray.wait(list(self._in_flight), num_returns=1)
                group = self._in_flight.pop(ready)
                try:
                    outcomes: list[Outcome] = ray.get(ready)
                except ray.exceptions.RayError as exc:
                    error = _describe(ray, exc)
                    outcomes = [Outcome.failed(job.key, error) for job in group]
                for outcome in outcomes:
                    if outcome.error is None:
                        finished += 1
                    else:
                        failed += 1
                self._report(queued, finished, failed)
                yield from outcomes
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the tasks in flight (Ctrl-C): their runs are not recorded and rerun on resume."""
        for ref in self._in_flight:
            self._ray.cancel(ref, force=True)
        self._in_flight.clear()

    def close(self) -> None:
        """Cancel what is in flight; shut down the local Ray instance this executor started."""
        self.cancel()
        if self._started:
            self._ray.shutdown()
            self._started = False
