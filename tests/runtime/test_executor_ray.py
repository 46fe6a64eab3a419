"""verify on a two-node Ray cluster (head + worker, on this machine): the same numbers as the
local executor, and nothing lost or retrained when a worker process dies mid-run."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("ray")

import ray
from ray.cluster_utils import Cluster

from adnn_lint.runtime.data import Dataset, load_data
from adnn_lint.runtime.executors.local import InProcessExecutor, Job, Outcome
from adnn_lint.runtime.executors.ray import (
    RayExecutor,
    RayOptions,
    WorkerSetup,
    train_group,
)
from adnn_lint.runtime.progress import Progress
from adnn_lint.runtime.verifier import VerifyOptions, verify
from adnn_lint.spec.model import InitSpec, LayerSpec, ModelSpec, SearchSpec, Spec, TrainSpec
from adnn_lint.spec.results import Results, load_results

pytestmark = [pytest.mark.runtime, pytest.mark.distributed, pytest.mark.slow]

CliRunner = Callable[..., Any]

STORE = 80 * 1024 * 1024  # bytes of object store per node: the data is a few MB


def _spec() -> Spec:
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    layers = (
        LayerSpec("flat", "Flatten"),
        LayerSpec("h", "Dense", 16, "relu", inputs=("flat",), initializers=inits),
        LayerSpec("out", "Dense", 10, "softmax", inputs=("h",), initializers=inits),
    )
    return Spec(
        model=ModelSpec("tiny", None, layers),
        train=TrainSpec(learning_rate=0.1, epochs=1),
        search=SearchSpec(method="asa", seeds=2),
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    nodes = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": STORE}
    )
    nodes.add_node(num_cpus=1, object_store_memory=STORE)
    nodes.wait_for_nodes()
    yield nodes
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_data("embedded", limit=400, test_limit=200)


def _options(path: Path) -> VerifyOptions:
    # batch 2 for both executors: the asa chain adapts per batch, so it must be the same.
    return VerifyOptions(results_path=path, max_trial=4, batch=2, verdict_seeds=2)


def _runs(results: Results) -> dict[str, tuple[float, float]]:
    """Every run by what it is: (accuracy, loss)."""
    runs = {f"baseline/{r.seed}": (r.accuracy, r.loss) for r in results.baseline_runs}
    runs |= {f"confirm/{r.seed}": (r.accuracy, r.loss) for r in results.confirmation_runs}
    for t in results.trials:
        assert t.val_accuracy is not None and t.val_loss is not None
        runs[f"trial/{t.index}"] = (t.val_accuracy, t.val_loss)
    assert results.verdict is not None
    for side in ("baseline_runs", "candidate_runs"):
        for r in getattr(results.verdict, side):
            runs[f"verdict/{side}/{r.seed}"] = (r.accuracy, r.loss)
    return runs


@pytest.fixture(scope="module")
def local(data: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Results:
    """The reference: the same verification on the local executor."""
    path = tmp_path_factory.mktemp("local") / "local.json"
    return verify(_spec(), data, _options(path), executor=InProcessExecutor(_spec(), data))


def _same_runs(local: Results, distributed: Results) -> None:
    mine, theirs = _runs(local), _runs(distributed)
    assert mine.keys() == theirs.keys() and len(mine) == 2 + 4 + 2 + 4
    for key, (accuracy, loss) in mine.items():
        # Accuracy is bit-identical. The loss is a float32 sum whose order depends on how many
        # models the stacked trainer computed together (a local batch is one stack, Ray splits
        # it over tasks), so it agrees to float32 rounding (docs/cluster.md).
        assert theirs[key][0] == accuracy, key
        assert theirs[key][1] == pytest.approx(loss, rel=1e-6), key


def test_two_node_cluster_matches_the_local_executor_run_for_run(
    cluster: Cluster, data: Dataset, local: Results, tmp_path: Path
) -> None:
    spec = _spec()
    executor = RayExecutor(spec, data, RayOptions(address=cluster.address))
    assert executor.slots == 2  # one CPU on each node
    distributed = verify(spec, data, _options(tmp_path / "ray.json"), executor=executor)
    assert distributed.environment.executor == "ray" and distributed.environment.threads == 1
    assert distributed.failed_runs == () and local.failed_runs == ()
    _same_runs(local, distributed)
    assert asdict(local.verdict)["status"] == asdict(distributed.verdict)["status"]


def _dying_task(log: Path) -> Any:
    """The executor's task, except that the worker running trial/2 kills itself, once."""

    def task(spec: Spec, data: Dataset, setup: WorkerSetup, jobs: Sequence[Job]) -> list[Outcome]:
        keys = [job.key for job in jobs]
        marker = log / "killed"
        if "trial/2" in keys and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        outcomes = train_group(spec, data, setup, jobs)
        with (log / "trained.txt").open("a", encoding="utf-8") as out:
            out.write("".join(f"{key}\n" for key in keys))
        return outcomes

    return task


def test_a_worker_killed_mid_run_loses_nothing_and_retrains_nothing(
    cluster: Cluster, data: Dataset, tmp_path: Path
) -> None:
    spec = _spec()
    executor = RayExecutor(
        spec, data, RayOptions(address=cluster.address), task=_dying_task(tmp_path)
    )
    results = verify(spec, data, _options(tmp_path / "r.json"), executor=executor)
    assert (tmp_path / "killed").exists()  # the worker did die, in the search
    assert results.status == "complete" and results.failed_runs == ()
    assert len(results.baseline_runs) == 2 and len(results.trials) == 4
    assert len(results.confirmation_runs) == 2
    assert results.verdict is not None and results.verdict.pairs_planned == 2
    assert results.verdict.gain.n == 2
    trained = (tmp_path / "trained.txt").read_text(encoding="utf-8").split()
    # Each run trained to the end exactly once: the killed task's retry finished trial/2, and
    # nothing that had finished before the kill ran again.
    assert sorted(trained) == sorted(set(trained)) and "trial/2" in trained


def _failing_task(log: Path) -> Any:
    """The executor's task, except that trial/1 raises and trial/2's worker dies."""

    def task(spec: Spec, data: Dataset, setup: WorkerSetup, jobs: Sequence[Job]) -> list[Outcome]:
        keys = [job.key for job in jobs]
        if "trial/1" in keys:
            raise ValueError("no such initializer here")
        if "trial/2" in keys:
            os.kill(os.getpid(), signal.SIGKILL)
        return train_group(spec, data, setup, jobs)

    return task


def test_a_run_that_keeps_failing_comes_back_with_its_error(
    cluster: Cluster, data: Dataset, tmp_path: Path
) -> None:
    spec = _spec()
    options = RayOptions(address=cluster.address, max_retries=0, stacked=False)
    executor = RayExecutor(spec, data, options, task=_failing_task(tmp_path))
    point = {"W0": 0.05, "B0": 0.0, "W1": 0.05, "B1": 0.0}
    jobs = [Job(f"trial/{j}", point, 1, 2, "validation") for j in range(3)]
    outcomes = {o.key: o for o in executor.run(jobs)}
    assert outcomes["trial/0"].error is None and 0.0 <= outcomes["trial/0"].accuracy <= 1.0
    assert outcomes["trial/1"].error == "ValueError: no such initializer here"
    error = outcomes["trial/2"].error
    assert error is not None and "WorkerCrashedError" in error


class InterruptIn(Progress):
    """Ctrl-C once ``at`` runs of ``phase`` have finished (quiet otherwise)."""

    def __init__(self, phase: str, at: int) -> None:
        super().__init__(quiet=True)
        self.target, self.at, self.current = phase, at, ""

    def phase(self, name: str, total: int | None) -> None:
        self.current = name
        super().phase(name, total)

    def advance(self, done: int, note: str = "") -> None:
        if self.current == self.target and done >= self.at:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_finished_runs_and_the_local_executor_resumes(
    cluster: Cluster, data: Dataset, local: Results, tmp_path: Path
) -> None:
    spec, path = _spec(), tmp_path / "r.json"
    executor = RayExecutor(spec, data, RayOptions(address=cluster.address))
    with pytest.raises(KeyboardInterrupt):
        verify(spec, data, _options(path), executor=executor, progress=InterruptIn("asa", 1))
    executor.close()  # what the command does: cancel the tasks in flight
    interrupted = load_results(path)
    assert interrupted.status == "interrupted" and len(interrupted.baseline_runs) == 2
    assert len(interrupted.trials) >= 1
    options = replace(_options(path), resume=True)
    resumed = verify(spec, data, options, executor=InProcessExecutor(spec, data))
    assert resumed.status == "complete"

    # Kept, not rerun (the searcher's decision on a batch cut short comes with the resume).
    def measured(results: Results) -> list[tuple[object, ...]]:
        return [(t.index, t.val_accuracy, t.val_loss, t.seconds) for t in results.trials]

    assert measured(resumed)[: len(interrupted.trials)] == measured(interrupted)
    assert resumed.baseline_runs == interrupted.baseline_runs
    _same_runs(local, resumed)


def test_an_unreachable_cluster_is_an_error_naming_its_address(cli: CliRunner) -> None:
    spec = Path(__file__).resolve().parents[2] / "examples" / "paper_mnist1.py"
    args = ("--data", "embedded", "--limit", "200", "--results", "unused.json")
    result = cli("verify", str(spec), *args, "--executor", "ray", "--address", "127.0.0.1:9")
    assert result.code == 2
    assert "cannot reach the Ray cluster at 127.0.0.1:9" in result.err
