"""The in-process executor: deterministic, and its two trainers agree on the same job."""

from __future__ import annotations

import pytest

from adnn_lint.spec.model import InitSpec, LayerSpec, ModelSpec, Spec, TrainSpec

pytestmark = [pytest.mark.runtime, pytest.mark.slow]


def _spec() -> Spec:
    inits = (InitSpec("kernel", "he_uniform"), InitSpec("bias", "zeros"))
    layers = (
        LayerSpec("flat", "Flatten"),
        LayerSpec("h", "Dense", 16, "relu", inputs=("flat",), initializers=inits),
        LayerSpec("out", "Dense", 10, "softmax", inputs=("h",), initializers=inits),
    )
    return Spec(model=ModelSpec("tiny", None, layers), train=TrainSpec(learning_rate=0.1))


def test_same_job_same_numbers_and_trainers_agree() -> None:
    pytest.importorskip("tensorflow")
    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, Job
    from adnn_lint.runtime.verifier import enable_determinism

    enable_determinism(0)
    data = load_data("embedded", limit=400, test_limit=100)
    jobs = [
        Job("base", None, 11, 12, "validation"),
        Job("point", {"W0": 0.05, "B0": 0.01, "W1": 0.05, "B1": 0.0}, 11, 12, "test"),
    ]
    keras_path = InProcessExecutor(_spec(), data, stacked=False)
    assert keras_path.trainer == "keras"
    first = {o.key: o for o in keras_path.run(jobs)}
    # The compiled model is reused and reset: a run must not depend on the runs before it.
    again = {o.key: o for o in keras_path.run(jobs[::-1])}
    assert [(o.accuracy, o.loss) for o in first.values()] == [
        (again[k].accuracy, again[k].loss) for k in first
    ]
    stacked_path = InProcessExecutor(_spec(), data)
    if stacked_path.trainer != "stacked":
        pytest.skip("stacked trainer not installed")
    stacked = {o.key: o for o in stacked_path.run(jobs)}
    for key, outcome in first.items():
        # Same arrays, same batches: only float summation order may differ.
        assert stacked[key].accuracy == pytest.approx(outcome.accuracy, abs=0.02)
        assert stacked[key].loss == pytest.approx(outcome.loss, rel=0.02)


def test_entry_model_is_matched_to_the_spec_by_position() -> None:
    pytest.importorskip("tensorflow")
    import keras
    import numpy as np

    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, Job

    calls: list[int] = []

    def user_model() -> keras.Model:  # what --entry module:function returns
        calls.append(1)
        return keras.Sequential(
            [
                keras.Input((28, 28)),
                keras.layers.Flatten(),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    data = load_data("embedded", limit=200, test_limit=50)
    executor = InProcessExecutor(_spec(), data, model_factory=user_model)
    assert executor.trainer == "keras" and calls
    assert set(executor.names) == {"h", "out"} and executor.names["h"] != "h"
    point = {"W0": 0.0, "B0": 0.0, "W1": 0.0, "B1": 0.0}
    [outcome] = executor.run([Job("zero", point, 1, 2, "validation")])
    # An all-zero network has zero gradients for its hidden layer and predicts one class first.
    assert np.isfinite(outcome.loss) and 0.0 <= outcome.accuracy <= 1.0
    assert len(calls) >= 2  # rebuilt for the run: the user's function decides the model

    def other_model() -> keras.Model:
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])

    from adnn_lint.runtime.build import BuildError

    with pytest.raises(BuildError, match="do not match"):
        InProcessExecutor(_spec(), data, model_factory=other_model)


def test_jobs_with_different_orders_train_together_as_if_alone() -> None:
    pytest.importorskip("tensorflow")
    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, Job
    from adnn_lint.runtime.verifier import enable_determinism

    enable_determinism(0)
    data = load_data("embedded", limit=400, test_limit=100)
    executor = InProcessExecutor(_spec(), data)
    if executor.trainer != "stacked":
        pytest.skip("stacked trainer not installed")
    # Baseline and verdict seeds: each run has its own initial weights and its own data order.
    jobs = [Job(f"seed{i}", None, 100 + i, 200 + i, "validation") for i in range(3)]
    together = {o.key: o for o in executor.run(jobs)}
    for job in jobs:
        (alone,) = executor.run([job])
        assert together[job.key].accuracy == pytest.approx(alone.accuracy, abs=1e-6)
        assert together[job.key].loss == pytest.approx(alone.loss, rel=1e-4)


def test_optimizer_options_reach_both_trainers() -> None:
    pytest.importorskip("tensorflow")
    from dataclasses import replace

    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, Job
    from adnn_lint.runtime.train import make_optimizer

    momentum = replace(
        _spec(), train=TrainSpec(optimizer_options={"momentum": 0.9, "nesterov": True})
    )
    optimizer = make_optimizer(momentum.train)
    assert (optimizer.momentum, optimizer.nesterov) == (0.9, True)
    with pytest.raises(ValueError, match=r"train\.optimizer_options"):
        make_optimizer(TrainSpec(optimizer_options={"momentun": 0.9}))

    data = load_data("embedded", limit=300, test_limit=100)
    jobs = [Job("base", None, 3, 4, "validation")]
    plain = {o.key: o for o in InProcessExecutor(_spec(), data, stacked=False).run(jobs)}
    keras_path = InProcessExecutor(momentum, data, stacked=False)
    with_momentum = {o.key: o for o in keras_path.run(jobs)}
    # Same seeds and batches: only the optimizer differs, so the loss must too.
    assert with_momentum["base"].loss != pytest.approx(plain["base"].loss, rel=1e-4)
    stacked_path = InProcessExecutor(momentum, data)
    if stacked_path.trainer != "stacked":
        pytest.skip("stacked trainer not installed")
    stacked = {o.key: o for o in stacked_path.run(jobs)}
    assert stacked["base"].loss == pytest.approx(with_momentum["base"].loss, rel=0.02)
    # An option the stacked trainer does not reproduce sends the spec to Keras fit().
    adam = replace(_spec(), train=TrainSpec(optimizer="adam", optimizer_options={"beta_1": 0.5}))
    assert InProcessExecutor(adam, data).trainer == "keras"


def test_a_screening_job_trains_on_its_share_of_the_examples_in_both_trainers() -> None:
    pytest.importorskip("tensorflow")
    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, Job, training_rows
    from adnn_lint.runtime.verifier import enable_determinism

    assert training_rows(360, 1 / 9) == 40 and training_rows(360, 1.0) == 360
    with pytest.raises(ValueError, match="fraction"):
        training_rows(360, 0.0)
    enable_determinism(0)
    data = load_data("embedded", limit=400, test_limit=100)
    small = load_data("embedded", limit=40, test_limit=100)  # the first 40: 36 train rows
    jobs = [Job("part", None, 11, 12, "test", fraction=36 / 360), Job("full", None, 11, 12, "test")]
    alone = next(iter(InProcessExecutor(_spec(), small, stacked=False).run([jobs[1]])))
    for stacked in (False, True):
        runner = InProcessExecutor(_spec(), data, stacked=stacked)
        outcomes = {o.key: o for o in runner.run(jobs)}
        # the screening run is the full run on the first 36 training rows
        assert outcomes["part"].loss == pytest.approx(alone.loss, rel=0.02)
        assert outcomes["part"].loss != pytest.approx(outcomes["full"].loss, rel=0.02)
