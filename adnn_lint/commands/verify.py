"""``adnn-lint verify``: train the model over seeds, search its initial values, judge the contract.

Needs the ``runtime`` extra (TensorFlow/Keras); without it, prints how to install it and exits 2.
Exit codes: 0 PASS (or no claim to judge), 1 FAIL, 3 INCONCLUSIVE, 2 usage or input error,
130 interrupted (every finished run is kept; ``--resume`` continues).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adnn_lint.spec.model import FIDELITIES, SEARCH_METHODS

if TYPE_CHECKING:
    from adnn_lint.runtime.data import Dataset
    from adnn_lint.runtime.progress import Progress
    from adnn_lint.spec.model import Spec
    from adnn_lint.spec.results import Results

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
INSTALL_HINT = (
    "adnn-lint verify needs the runtime extra (TensorFlow/Keras): pip install 'adnn-lint[runtime]'"
)
_RUNTIME_MODULES = ("tensorflow", "keras", "numpy", "scipy")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a model's accuracy contract by training it (runtime extra)",
        description=(
            "Rebuild the model from an ADNN spec (or from the specs extracted from a Keras source "
            "file), measure its accuracy over seeds, search its initial values on a validation "
            "split, and judge the contract on fresh seeds and the test split. Exit 0 PASS, "
            "1 FAIL, 3 INCONCLUSIVE, 2 error, 130 interrupted (resume with --resume)."
        ),
    )
    parser.add_argument(
        "target", metavar="SPEC_OR_FILE", help="an ADNN spec, or a .py or .ipynb file"
    )
    parser.add_argument("--model", metavar="NAME", help="which model of a file with several")
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="SOURCE",
        help="embedded (default), mnist, fashion_mnist, npz:PATH, or module:function "
        "(runs your code; allowed because you typed it)",
    )
    data.add_argument("--limit", type=int, metavar="N", help="use the first N training examples")
    data.add_argument("--validation-split", type=float, metavar="F", help="default: the spec's")
    search = parser.add_argument_group("search and budget (the tighter of spec and command)")
    search.add_argument("--search", choices=SEARCH_METHODS, help="default: the spec's")
    search.add_argument("--max-trial", type=int, metavar="N")
    search.add_argument("--max-time", metavar="DURATION", help="search time: 90s, 10m, 1h30m")
    search.add_argument("--max-gain", metavar="GAIN", help="stop at this gain: 0.02 or 2%%")
    search.add_argument("--delta", type=float, metavar="F", help="paper search step")
    search.add_argument("--batch", type=int, metavar="N", help="points asked per round")
    search.add_argument(
        "--fidelity",
        choices=FIDELITIES,
        help="halving: screen candidates on 1/9 and 1/3 of the training budget, finish the best "
        "third of each rung (default: the spec's search.fidelity, full)",
    )
    judge = parser.add_argument_group("seeds and verdict")
    judge.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    judge.add_argument("--seeds", type=int, metavar="N", help="baseline seeds (default: spec, 5)")
    judge.add_argument("--verdict-seeds", type=int, default=5, metavar="N", help="default 5")
    judge.add_argument("--accuracy", metavar="ACC", help="required accuracy: 0.88 or 88%%")
    judge.add_argument("--epochs", type=int, metavar="N", help="override the spec's epochs")
    _add_running_options(parser)


def _add_running_options(parser: argparse.ArgumentParser) -> None:
    """How the run goes: results file, resume, report, progress and the executor."""
    run_group = parser.add_argument_group("running")
    run_group.add_argument(
        "--results", default="adnn-results.json", metavar="PATH", help="default adnn-results.json"
    )
    run_group.add_argument("--resume", action="store_true", help="continue an interrupted run")
    run_group.add_argument("--report", metavar="PATH", help="also render the HTML report here")
    run_group.add_argument(
        "--entry",
        metavar="MODULE:FUNCTION",
        help="build the model by calling your function (imports and runs your code)",
    )
    run_group.add_argument(
        "--no-stacked", action="store_true", help="one Keras fit() per run, even for MLPs"
    )
    run_group.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    cluster = parser.add_argument_group("executor (docs/cluster.md)")
    cluster.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="local: train in this process (default); ray: every run is a Ray task "
        "(distributed extra)",
    )
    cluster.add_argument(
        "--address",
        metavar="ADDR",
        help="with --executor ray: auto or HOST:PORT of a running cluster "
        "(default: start a local Ray instance)",
    )
    cluster.add_argument(
        "--cpus-per-run",
        type=float,
        metavar="N",
        help="CPUs a run declares; TensorFlow gets as many threads (default with ray: a "
        "node's CPUs for a stacked group, 1 for a Keras fit() run; local: TensorFlow's own, "
        "all cores)",
    )
    cluster.add_argument(
        "--gpus-per-run",
        type=float,
        metavar="N",
        help="with --executor ray: GPUs a run declares, fractions allowed "
        "(default 1 when the cluster has GPUs, else 0)",
    )
    parser.set_defaults(run=run)


def _error(message: str) -> int:
    print(f"adnn-lint verify: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _runtime_missing() -> list[str]:
    return [name for name in _RUNTIME_MODULES if importlib.util.find_spec(name) is None]


def _load_specs(target: Path) -> list[Spec]:
    """Specs from an ADNN spec file, or extracted from a Python source file or notebook."""
    if target.suffix in (".py", ".ipynb"):
        # The spec command's extraction (encoding, notebooks, syntax errors with positions).
        from adnn_lint.commands.spec import specs_from_file
        from adnn_lint.engine.sources import SourceError

        try:
            return specs_from_file(target)
        except SourceError as exc:
            raise ValueError(str(exc)) from exc
    from adnn_lint.spec.syntax import loads

    return [loads(target.read_text(encoding="utf-8"), str(target))]


def _pick(specs: list[Spec], name: str | None, target: Path) -> Spec:
    names = [s.model.name for s in specs]
    if name is not None:
        for spec in specs:
            if spec.model.name == name:
                return spec
        raise ValueError(f"{target}: no model named {name!r} (found: {', '.join(names) or 'none'})")
    if not specs:
        raise ValueError(f"{target}: no Keras model found to verify")
    if len(specs) > 1:
        raise ValueError(f"{target}: several models ({', '.join(names)}); choose one with --model")
    return specs[0]


def _with_overrides(spec: Spec, args: argparse.Namespace) -> Spec:
    from dataclasses import replace

    data = spec.data
    if args.data is not None:
        data = replace(data, source=args.data)
    if args.limit is not None:
        data = replace(data, limit=args.limit)
    if args.validation_split is not None:
        data = replace(data, validation_split=args.validation_split)
    train = spec.train if args.epochs is None else replace(spec.train, epochs=args.epochs)
    return replace(spec, data=data, train=train)


def _factory(entry: str) -> Any:
    import importlib

    module_name, _, function_name = entry.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"--entry {entry!r}: expected module:function")
    sys.path.insert(0, os.getcwd())
    return getattr(importlib.import_module(module_name), function_name)


def _quiet_tensorflow() -> None:
    # TensorFlow's C++ and Python loggers would bury the progress lines.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def _print_summary(results: Results, path: str) -> None:
    base, verdict = results.baseline, results.verdict
    if base is not None:
        print(
            f"baseline  {base.n} seeds (validation): mean {100 * base.mean:.2f}%, "
            f"std {100 * base.std:.2f}, min {100 * base.min:.2f}%, max {100 * base.max:.2f}%, "
            f"{100 * base.confidence:g}% CI [{100 * base.ci_low:.2f}%, {100 * base.ci_high:.2f}%]"
        )
    best = (
        ""
        if results.best_trial is None
        else (
            f", best {100 * -results.trials[results.best_trial].cost:.2f}% "
            f"(trial {results.best_trial})"
        )
    )
    print(
        f"search    {results.config.method}: {len(results.trials)} trials{best}, "
        f"stopped on {results.stop_reason} after {results.search_seconds:.0f}s"
    )
    if verdict is not None:
        print(f"verdict   {verdict.status}: {verdict.reason}")
    print(f"results   {path}")


def run(args: argparse.Namespace) -> int:
    missing = _runtime_missing()
    if missing:
        print(f"{INSTALL_HINT} (missing: {', '.join(missing)})", file=sys.stderr)
        return EXIT_ERROR
    from adnn_lint.spec.errors import ContractSyntaxError, SpecError

    target = Path(args.target)
    if not target.is_file():
        return _error(f"{target}: no such file")
    try:
        spec = _with_overrides(_pick(_load_specs(target), args.model, target), args)
    except SpecError as exc:
        return _error(str(exc))
    except (ValueError, OSError) as exc:
        return _error(str(exc))
    except ImportError as exc:
        return _error(f"{target}: cannot extract specs from source here ({exc})")
    if args.entry is None:
        from adnn_lint.spec.check import unbuildable

        gaps = unbuildable(spec)
        if gaps:
            # Verifying the layers the spec does hold would verify a different model.
            return _error(
                f"{target}: the spec cannot rebuild model {spec.model.name!r} as the code "
                f"builds it: {'; '.join(gaps)}. Let verify build the model with your own code, "
                "--entry module:function (a function returning the Keras model; the spec "
                "still gives the initializers to search), or complete the spec"
            )
    try:
        from adnn_lint.spec.contract import parse_duration, parse_fraction

        max_time = None if args.max_time is None else parse_duration(args.max_time)
        max_gain = None if args.max_gain is None else parse_fraction(args.max_gain)
        accuracy = None if args.accuracy is None else parse_fraction(args.accuracy)
    except ContractSyntaxError as exc:
        return _error(f"{exc.message} (in a command-line option)")
    problem = _executor_problem(args)
    if problem is not None:
        return _error(problem)
    _quiet_tensorflow()
    return _verify(spec, args, max_time=max_time, max_gain=max_gain, accuracy=accuracy)


def _executor_problem(args: argparse.Namespace) -> str | None:
    if args.executor == "local":
        for option, value in (("--address", args.address), ("--gpus-per-run", args.gpus_per_run)):
            if value is not None:
                return f"{option} needs --executor ray"
    elif args.entry is not None:
        return "--entry cannot be used with --executor ray: the workers do not import your code"
    if args.cpus_per_run is not None and args.cpus_per_run <= 0:
        return f"--cpus-per-run must be > 0, got {args.cpus_per_run:g}"
    if args.gpus_per_run is not None and args.gpus_per_run < 0:
        return f"--gpus-per-run must be >= 0, got {args.gpus_per_run:g}"
    return None


def _executor(spec: Spec, data: Dataset, args: argparse.Namespace, progress: Progress) -> Any:
    """The executor the options ask for; the local one's threads follow --cpus-per-run."""
    from adnn_lint.runtime.executors.local import InProcessExecutor, limit_threads

    if args.executor == "ray":
        from adnn_lint.runtime.executors.ray import RayExecutor, RayOptions

        options = RayOptions(
            address=args.address,
            cpus_per_run=args.cpus_per_run,
            gpus_per_run=args.gpus_per_run,
            stacked=not args.no_stacked,
        )
        return RayExecutor(spec, data, options, on_counts=progress.runs)
    if args.cpus_per_run is not None:
        # Before the first TensorFlow op: the same threads as a Ray task of that size.
        limit_threads(max(1, int(args.cpus_per_run)))
    factory = None if args.entry is None else _factory(args.entry)
    return InProcessExecutor(spec, data, stacked=not args.no_stacked, model_factory=factory)


def _verify(
    spec: Spec,
    args: argparse.Namespace,
    *,
    max_time: float | None,
    max_gain: float | None,
    accuracy: float | None,
) -> int:
    from adnn_lint.runtime.build import BuildError
    from adnn_lint.runtime.data import DataError, load_data
    from adnn_lint.runtime.executors.ray import ClusterError
    from adnn_lint.runtime.progress import Progress
    from adnn_lint.runtime.verifier import VerifyError, VerifyOptions, verify

    progress = Progress(quiet=args.quiet)

    try:
        data = load_data(
            spec.data.source,
            validation_split=spec.data.validation_split,
            limit=spec.data.limit,
            # Running user code for data is allowed only when typed on this command line.
            allow_code=args.data is not None and spec.data.source == args.data,
        )
        executor = _executor(spec, data, args, progress)
    except (DataError, BuildError, ClusterError, ImportError, AttributeError, ValueError) as exc:
        return _error(str(exc))
    options = VerifyOptions(
        results_path=Path(args.results),
        method=args.search,
        seed=args.seed,
        baseline_seeds=args.seeds,
        verdict_seeds=args.verdict_seeds,
        max_trial=args.max_trial,
        max_time=max_time,
        max_gain=max_gain,
        delta=args.delta,
        required_accuracy=accuracy,
        batch=args.batch,
        resume=args.resume,
        fidelity=args.fidelity,
    )
    try:
        results = verify(spec, data, options, executor=executor, progress=progress)
    except KeyboardInterrupt:
        print(
            f"adnn-lint verify: interrupted; finished runs are kept in {args.results}; "
            "continue with the same command plus --resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except (VerifyError, BuildError) as exc:
        return _error(str(exc))
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()  # Ray: cancel what is in flight, stop a local instance
    _print_summary(results, args.results)
    if args.report:
        _render_report(args.report, args.results)
    return results.verdict.exit_code if results.verdict is not None else EXIT_ERROR


def _render_report(output: str, results_path: str) -> None:
    try:
        from adnn_lint.reports.render import ReportError, render_report
    except ImportError:
        print("adnn-lint verify: the report module is not installed; no report", file=sys.stderr)
        return
    command = shlex.join(["adnn-lint", *sys.argv[1:]])
    try:
        path = render_report(output=output, results=results_path, command=command)
    except (ReportError, OSError) as exc:
        print(f"adnn-lint verify: report not written: {exc}", file=sys.stderr)
        return
    print(f"report    {path}")
