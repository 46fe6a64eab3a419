"""Which ASA options earn their place at small budgets: a quick study on the paper's MLPs.

For each searcher seed, asa with each option setting and random search the layer-relative space
of one model at one trial budget; every run's points train together (the stacked trainer, the
same initial-weight and data-order seeds for every trial, as the verifier does). Reported: the
best trial's validation accuracy per run (the quantity the searcher optimises; the verdict's
fresh-seed retraining is benchmarks/paper.py's job), its mean over seeds, and in how many seeds
each setting beat random. Used to pick ``AsaOptions``' defaults (docs/search.md).

    python benchmarks/asa_options.py --data-dir DIR --model MNIST-1 --budget 10 --seeds 8
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# AsaOptions per setting; docs/search.md has what each measured
SETTINGS: dict[str, dict[str, float | bool]] = {
    "first 0.5 (default)": {},
    "first 0.3": {"initial_fraction": 0.3},
    "first 0.7": {"initial_fraction": 0.7},
    "first 0.5, step 0.15": {"final_step": 0.15},
    "first 0.5, step 0.25": {"final_step": 0.25},
    "first 0.3, step 0.25": {"initial_fraction": 0.3, "final_step": 0.25},
    "known, first 0.5": {"known_points": True},
    "known, first 0.7": {"known_points": True, "initial_fraction": 0.7},
    "known, first 0.7, step 0.25": {
        "known_points": True,
        "initial_fraction": 0.7,
        "final_step": 0.25,
    },
}


def main(argv: list[str] | None = None) -> int:
    from paper import MODELS, SIZES, Loaded, SearchRun, Trainer, derive, for_model, run_searches

    from adnn_lint.runtime.search.asa import AsaOptions, AsaSearcher
    from adnn_lint.runtime.search.base import make_searcher
    from adnn_lint.runtime.search.space import space_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", metavar="DIR")
    where.add_argument("--embedded", action="store_true")
    parser.add_argument("--model", default="MNIST-1", choices=[m for m in MODELS if "CNN" not in m])
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--train-limit", type=int, default=12_000)
    parser.add_argument(
        "--kernel-multiplier", nargs=2, type=float, metavar=("LOW", "HIGH"),
        help="search.kernel_multiplier of the relative space (default the spec's)",
    )  # fmt: skip
    parser.add_argument(
        "--settings", help="comma-separated names from SETTINGS (default: all)"
    )  # fmt: skip
    parser.add_argument("--json", help="write the per-run figures here")
    args = parser.parse_args(argv)
    size = for_model(replace(SIZES["small"], train_limit=args.train_limit), args.model)
    loaded = Loaded("embedded" if args.embedded else Path(args.data_dir))
    dataset, hidden = MODELS[args.model]
    trainer = Trainer(hidden, loaded.get(dataset, size))
    spec = trainer.spec
    if args.kernel_multiplier:
        from adnn_lint.spec.model import Domain

        domain = Domain(*args.kernel_multiplier)
        spec = replace(spec, search=replace(spec.search, kernel_multiplier=domain))
    space = space_for(spec, "asa")
    settings = {
        name: SETTINGS[name] for name in (args.settings.split(",") if args.settings else SETTINGS)
    }
    root = 9_000 + hidden
    runs: list[SearchRun] = []
    for seed in range(args.seeds):
        for name, options in settings.items():
            searcher: Any = AsaSearcher(
                space, seed=seed, max_trial=args.budget, options=AsaOptions(**options)
            )
            runs.append(SearchRun(f"{name}/{seed}", "asa", args.budget, 1, 0.0, searcher, space))
        searcher = make_searcher("random", space, seed=seed, max_trial=args.budget)
        runs.append(SearchRun(f"random/{seed}", "random", args.budget, 1, 0.0, searcher, space))
    start = time.perf_counter()
    run_searches(trainer, runs, derive(root, 1), derive(root, 2), [], lambda _m: None)
    best = {r.name: max(t.val_accuracy for t in r.trials) for r in runs}
    print(f"{args.model}, budget {args.budget}, {args.seeds} searcher seeds, "
          f"{args.train_limit} training examples, {time.perf_counter() - start:.0f} s")  # fmt: skip
    rnd = [best[f"random/{s}"] for s in range(args.seeds)]
    print(f"{'random':<32} mean best val {100 * sum(rnd) / len(rnd):.2f}")
    for name in settings:
        vals = [best[f"{name}/{s}"] for s in range(args.seeds)]
        wins = sum(v > r for v, r in zip(vals, rnd, strict=True))
        print(f"{name:<32} mean best val {100 * sum(vals) / len(vals):.2f}, beat random in "
              f"{wins} of {args.seeds} seeds")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(best, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
