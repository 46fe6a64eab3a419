"""Hand-built inputs for the report tests: a results document, specs and findings.

The numbers are drawn from a seeded generator so the tests do not depend on TensorFlow; the report
must show each of them exactly as stored (the tests check that they are traceable).
"""

from __future__ import annotations

import random
from pathlib import Path

from adnn_lint.engine.lint import lint_source
from adnn_lint.output import Report, json_format
from adnn_lint.scan.records import Finding, Span
from adnn_lint.spec.model import (
    Contract,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SourceRef,
    Spec,
    TrainSpec,
)
from adnn_lint.spec.results import (
    Config,
    DataInfo,
    Environment,
    Interval,
    Results,
    RunRecord,
    Summary,
    Trial,
    Verdict,
    save_results,
)

XSS = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def summary(values: list[float]) -> Summary:
    n = len(values)
    mean = sum(values) / n
    std = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 if n > 1 else 0.0
    half = 2.776 * std / n**0.5
    return Summary(n, mean, std, min(values), max(values), mean - half, mean + half, 0.95)


def runs(values: list[float], seeds: list[int], split: str) -> tuple[RunRecord, ...]:
    return tuple(
        RunRecord(seed=s, order_seed=s + 1000, accuracy=v, loss=1.0 - v, split=split, seconds=1.5)  # type: ignore[arg-type]
        for s, v in zip(seeds, values, strict=True)
    )


def sample_results(
    *, trials: int = 20, verdict: bool = True, notes: tuple[str, ...] = ()
) -> Results:
    rng = random.Random(0)
    base_val = [round(0.87 + rng.uniform(-0.01, 0.01), 4) for _ in range(5)]
    trial_list = []
    best = None
    for i in range(trials):
        acc = round(0.86 + rng.uniform(0.0, 0.035), 4)
        trial = Trial(
            index=i,
            point={"W0": round(rng.uniform(0, 0.1), 4), "B0": round(rng.uniform(0, 0.1), 4)},
            seed=100 + i,
            order_seed=200 + i,
            val_accuracy=acc,
            val_loss=round(1 - acc, 4),
            seconds=2.0,
            elapsed=2.0 * (i + 1),
            accepted=rng.random() < 0.6,
            temperature=round(1.0 * 0.8**i, 6),
            gain=round(acc - sum(base_val) / 5, 4),
        )
        trial_list.append(trial)
        if best is None or acc > trial_list[best].val_accuracy:
            best = i
    base_test = [round(0.872 + rng.uniform(-0.008, 0.008), 4) for _ in range(5)]
    cand_test = [round(v + 0.011 + rng.uniform(-0.003, 0.003), 4) for v in base_test]
    diffs = [c - b for c, b in zip(cand_test, base_test, strict=True)]
    d = summary(diffs)
    the_verdict = None
    if verdict:
        the_verdict = Verdict(
            status="PASS",
            exit_code=0,
            reason=(
                "The chosen initialization reaches 0.8873 mean test accuracy, "
                "above 0.8800 with 95% confidence."
            ),
            chosen=f"trial {best}",
            chosen_point=trial_list[best].point if best is not None else None,
            seeds=(9001, 9002, 9003, 9004, 9005),
            baseline_runs=runs(base_test, [9001, 9002, 9003, 9004, 9005], "test"),
            candidate_runs=runs(cand_test, [9001, 9002, 9003, 9004, 9005], "test"),
            baseline=summary(base_test),
            candidate=summary(cand_test),
            gain=Interval(d.n, d.mean, d.ci_low, d.ci_high, 0.95),
            required_accuracy=0.88,
            seconds=30.0,
        )
    return Results(
        config=Config(
            spec_digest="0" * 64,
            model="mnist_2",
            method="asa",
            seed=0,
            baseline_seeds=5,
            verdict_seeds=5,
            max_trial=trials,
            max_time=600.0,
            max_gain=0.05,
            delta=0.0025,
            required_accuracy=0.88,
            confidence=0.95,
            epochs=1,
            batch_size=100,
            learning_rate=0.01,
            optimizer="sgd",
        ),
        environment=Environment(
            python="3.11.2",
            platform="Linux-6.1-x86_64",
            machine="x86_64",
            processor="",
            cpu_count=2,
            numpy="2.4.6",
            tensorflow="2.21.0",
            keras="3.15.0",
            adnn_lint="0.1.0",
            devices=("CPU:0",),
            op_determinism=True,
            trainer="stacked",
        ),
        data=DataInfo("mnist", 54000, 6000, 10000, (28, 28), 10, 0.1, "ab" * 32),
        status="complete" if verdict else "interrupted",
        created="2026-11-25T20:00:00Z",
        updated="2026-11-25T20:10:00Z",
        baseline_runs=runs(base_val, [1, 2, 3, 4, 5], "validation"),
        baseline=summary(base_val),
        trials=tuple(trial_list),
        best_trial=best,
        stop_reason="max_trial" if verdict else "interrupted",
        search_seconds=2.0 * trials,
        verdict=the_verdict,
        notes=notes,
    )


def write_results(path: Path, **kwargs: object) -> Path:
    save_results(sample_results(**kwargs), path)  # type: ignore[arg-type]
    return path


def sample_spec(*, branching: bool = False, name: str = "mnist_2") -> Spec:
    def dense(
        n: str,
        units: int,
        act: str,
        fan_in: int,
        inputs: tuple[str, ...],
        kernel: str = "glorot_uniform",
    ) -> LayerSpec:
        return LayerSpec(
            name=n,
            class_name="Dense",
            units=units,
            activation=act,
            inputs=inputs,
            initializers=(
                InitSpec(
                    "kernel", kernel, {}, "explicit" if kernel != "glorot_uniform" else "implicit"
                ),
                InitSpec("bias", "zeros", {}, "implicit"),
            ),
            fan_in=fan_in,
            fan_out=units,
        )

    flatten = LayerSpec(name="flatten", class_name="Flatten", fan_in=784, fan_out=784)
    layers = [flatten, dense("dense", 256, "relu", 784, ("flatten",), "random_normal")]
    if branching:
        layers += [
            dense("left", 128, "relu", 256, ("dense",), "he_normal"),
            dense("right", 128, "tanh", 256, ("dense",)),
            LayerSpec(
                name="concat",
                class_name="Concatenate",
                inputs=("left", "right"),
                fan_in=256,
                fan_out=256,
            ),
            dense("out", 10, "softmax", 256, ("concat",)),
        ]
    else:
        layers += [
            dense("dense_1", 256, "relu", 256, ("dense",)),
            dense("out", 10, "softmax", 256, ("dense_1",)),
        ]
    return Spec(
        model=ModelSpec(name=name, input_shape=(28, 28), layers=tuple(layers)),
        source=SourceRef("examples/mnist.py", name, 12, 1),
        train=TrainSpec(epochs=1, batch_size=100, learning_rate=0.01),
        contract=Contract(accuracy=0.88, max_time=600.0, max_trial=20, max_gain=0.05),
    )


SOURCE = """import keras
from keras import layers

model = keras.Sequential([
    layers.Dense(256, activation="relu", kernel_initializer="zeros"),  # XSS_HERE
    layers.Dense(10, kernel_initializer="glorot_unifrom"),
])
model.fit(x, y)
""".replace("XSS_HERE", XSS)


def write_findings(folder: Path) -> Path:
    """A linted source file and its findings JSON: the real engine's findings, written by the
    real JSON writer, plus one hand-made finding whose message carries hostile markup."""
    source = folder / "model.py"
    source.write_text(SOURCE, encoding="utf-8")
    path = str(source)
    hostile = Finding(
        code="ADNN301",
        name="unresolved",
        message="initializer cannot be resolved statically: " + XSS,
        path=path,
        span=Span(5, 5, 5, 17),
        severity="info",
    )
    findings = (*lint_source(SOURCE, path), hostile)
    out = folder / "findings.json"
    out.write_text(json_format.render(Report(findings=findings, files_checked=1)), encoding="utf-8")
    return out
