"""ADNN201: fit() reached without global seeding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst
from adnn_lint.rules._filefacts import FileFacts, dotted, file_facts

from adnn_lint.records import Edit, Finding, FitCall, Fix, SeedCall
from adnn_lint.rule import FileContext, Invalid, Rule

#: What must be seeded before training for a run to repeat: Python's ``random`` (Keras 3 draws
#: the seed of every unseeded initializer from it), NumPy (shuffling, data splits, augmentation)
#: and TensorFlow (dropout, tf.data shuffling, tf.keras 2.x initializers).
REQUIRED = frozenset({"python", "numpy", "tensorflow"})

#: Packages whose seeding functions the scanner already records with what they cover.
_KNOWN_SEEDERS = frozenset({"random", "numpy", "tensorflow", "keras", "tf_keras"})


def seeding_helpers(facts: FileFacts) -> tuple[set[str], set[str]]:
    """Calls of seeding helpers from other modules (``seed_everything(42)``,
    ``utils.set_seeds(1)``): (those at module level or in the main guard, those anywhere).

    Their bodies are out of sight, so a call whose name says it seeds is trusted to seed
    everything; without this, a project's own ``seed_everything`` would be a false alarm.
    Calls of the file's own functions and of the libraries whose seeding functions the scanner
    records are not helpers.
    """
    top: set[str] = set()
    everywhere: set[str] = set()
    for name, root, at_top in facts.calls:
        if "seed" not in name.lower() or root is None:
            continue
        if root in facts.local or facts.origin.get(root) in _KNOWN_SEEDERS:
            continue
        everywhere.add(name)
        if at_top:
            top.add(name)
    return top, everywhere


def reached_functions(facts: FileFacts) -> set[str]:
    """Names of the file's functions (and methods) that run when the file runs: called from
    module level or the main guard, directly or through other functions of the file.

    A ``fit()`` in a function nobody here calls is library code: whoever calls it is the one
    who must seed, so it is not reported.
    """
    frontier = list(facts.top_all)
    reached: set[str] = set()
    while frontier:
        name = frontier.pop()
        if name in reached:
            continue
        reached.add(name)
        frontier.extend(facts.calls_in.get(name, ()))
    return reached


def _function_of(scope: str) -> str | None:
    return scope.split(":", 1)[1].split(".")[-1] if scope.startswith("function:") else None


def covering(fit: FitCall, seeds: Sequence[SeedCall], top_calls: set[str]) -> frozenset[str]:
    """What the seeds that certainly run before ``fit`` cover."""
    covered: set[str] = set()
    for seed in seeds:
        helper = _function_of(seed.scope)
        if fit.scope in ("module", "main"):
            before = seed.span.line < fit.span.line
            if (seed.scope == "module" and before) or (
                seed.scope == "main" and fit.scope == "main" and before
            ):
                covered |= seed.covers
            elif helper is not None and helper in top_calls:
                # A seeding helper called from the module or the main guard: we do not track the
                # order of the call, so give it the benefit of the doubt.
                covered |= seed.covers
        elif seed.scope != fit.scope or seed.span.line < fit.span.line:
            # Inside a function we cannot see the callers: any seeding in the file might run
            # first, so only a file with no adequate seeding at all is reported.
            covered |= seed.covers
    return frozenset(covered)


def _keras_prefix(module: cst.Module) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    """The expression prefix for ``<prefix>.utils.set_random_seed`` and the imports it needs."""
    for stmt in _leading_imports(module):
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name)
                    bound = alias.evaluated_alias or name
                    if name in ("keras", "tf_keras"):
                        return bound, ()
                    if name == "tensorflow" and alias.asname is not None:
                        return f"{bound}.keras", ()
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                source = dotted(small.module) if small.module else ""
                if source == "tensorflow" and not small.relative:
                    for alias in small.names:
                        if dotted(alias.name) == "keras":
                            return alias.evaluated_alias or "keras", ()
    return "keras", (("keras", None),)


def _is_import_line(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in stmt.body
    )


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    # isinstance, not libcst.matchers: importing the matchers costs ~0.7 s per process.
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    expr = stmt.body[0]
    return isinstance(expr, cst.Expr) and isinstance(expr.value, cst.SimpleString)


def _leading_imports(module: cst.Module) -> list[cst.SimpleStatementLine]:
    """The import statements of the module's leading block (after the docstring)."""
    found: list[cst.SimpleStatementLine] = []
    for index, stmt in enumerate(module.body):
        if index == 0 and _is_docstring(stmt):
            continue
        if not _is_import_line(stmt):
            break
        assert isinstance(stmt, cst.SimpleStatementLine)
        found.append(stmt)
    return found


def seed_fix(module: cst.Module, value: int) -> Fix | None:
    """Insert ``keras.utils.set_random_seed(value)`` right after the leading imports."""
    prefix, imports = _keras_prefix(module)
    call = cst.parse_statement(f"{prefix}.utils.set_random_seed({value})\n")
    leading = _leading_imports(module)
    if leading:
        anchor: cst.BaseStatement = leading[-1]
        # A blank line after the imports, as isort and ruff's formatter lay a module out.
        spaced = call.with_changes(leading_lines=[cst.EmptyLine()])  # type: ignore[attr-defined]
        replacement = cst.FlattenSentinel([anchor, spaced])
    else:
        if not module.body:
            return None
        first = 1 if _is_docstring(module.body[0]) and len(module.body) > 1 else 0
        if first == 0 and _is_docstring(module.body[0]):
            return None
        anchor = module.body[first]
        # The call goes before the first statement, which keeps its comments and blank lines.
        moved = anchor.with_changes(leading_lines=())  # type: ignore[call-arg]
        seeded = call.with_changes(leading_lines=anchor.leading_lines)  # type: ignore[attr-defined]
        replacement = cst.FlattenSentinel([seeded, moved])
    return Fix(
        description=f"Call {prefix}.utils.set_random_seed({value}) after the imports",
        edits=(Edit(anchor, replacement),),
        safe=False,
        imports=imports,
    )


class UnseededTraining(Rule):
    """``fit()`` is reached without seeding Python, NumPy and TensorFlow first.

    Why: the initial weights, the shuffling of the data and dropout all come from random number
    generators. Unseeded, each run of the same script trains a different model, and the accuracy
    it prints is one draw from a distribution whose spread is often larger than the improvement
    being claimed. ``keras.utils.set_random_seed(n)`` seeds Python's ``random``, NumPy and the
    backend at once. ``tf.random.set_seed`` alone is not enough under Keras 3, which takes the
    seed of every unseeded initializer from Python's ``random``; ``np.random.seed(n)`` and
    ``np.random.default_rng(n)`` count as seeded NumPy.

    A call to a seeding helper from another module (``seed_everything(42)``,
    ``utils.set_seeds(1)``: a name with "seed" in it) is trusted to seed everything, since its
    body is out of sight.

    A ``fit()`` on an object built by another library (``scaler = StandardScaler()``) is not a
    Keras training run and is not reported.

    The seeding has to run before the ``fit()`` it protects: on module level and in
    ``if __name__ == "__main__":`` blocks the rule checks the order; a seeding helper function
    called from there counts; for a ``fit()`` inside a function, whose callers are not tracked,
    any seeding in the file counts, and only functions that the file itself calls (from module
    level or the main guard, directly or through its other functions) are checked: a ``fit()``
    in library code is seeded by its caller.

    What to do: call ``keras.utils.set_random_seed(SEED)`` once, before the model is built. The
    autofix inserts that call (and ``import keras`` when needed) right after the imports,
    reusing a seed value already in the file. It is unsafe: it changes every random stream of
    the program, not only the initial weights.
    """

    code = "ADNN201"
    name = "unseeded-training"
    severity = "warning"
    summary = "`fit()` reached without global seeding: accuracy varies from run to run."
    fixable = "unsafe"
    fix_does = (
        "inserts the global seeding call of the file's Keras version after the imports and the "
        "setup that must precede them."
    )
    fix_why = (
        "seeding changes every random stream of the program (shuffling, dropout, data splits), "
        "not only the initial weights."
    )
    VALID = (
        # A project's own seeding helper, imported from elsewhere: trusted.
        "import keras\n"
        "from common.repro import seed_everything\n"
        "seed_everything(42)\n"
        "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, y)\n",
        # scikit-learn's fit() in a Keras file is not a Keras training run.
        "import keras\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "baseline = LogisticRegression()\n"
        "baseline.fit(x, y)\n"
        "head = keras.layers.Dense(1)\n",
        "import keras\n"
        "keras.utils.set_random_seed(1)\n"
        "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, y)\n",
        "import random\n"
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "\n"
        "def seed_everything(seed):\n"
        "    random.seed(seed)\n"
        "    rng = np.random.default_rng(seed)\n"
        "    tf.random.set_seed(seed)\n"
        "\n"
        "if __name__ == '__main__':\n"
        "    seed_everything(0)\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "    model.compile(loss='mse')\n"
        "    model.fit(x, y)\n",
    )
    INVALID = (
        (
            '"""Train a model."""\n'
            "\n"
            "from tensorflow import keras\n"
            "\n"
            "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
            'model.compile(loss="mse")\n'
            "model.fit(x, y, epochs=3)\n",
            Invalid(
                "ADNN201",
                line=7,
                fixed='"""Train a model."""\n'
                "\n"
                "from tensorflow import keras\n"
                "\n"
                "keras.utils.set_random_seed(0)\n"
                "\n"
                "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
                'model.compile(loss="mse")\n'
                "model.fit(x, y, epochs=3)\n",
            ),
        ),
        (
            "import tensorflow as tf\n"
            "tf.random.set_seed(7)\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "model.compile(loss='mse')\n"
            "model.fit(x, y)\n",
            Invalid(
                "ADNN201",
                line=5,
                fixed="import tensorflow as tf\n"
                "\n"
                "tf.keras.utils.set_random_seed(7)\n"
                "tf.random.set_seed(7)\n"
                "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
                "model.compile(loss='mse')\n"
                "model.fit(x, y)\n",
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        fits = ctx.scan.fits
        if not fits:
            return
        facts = file_facts(ctx.source)
        if any(fit.scope not in ("module", "main") for fit in fits):
            reached = reached_functions(facts)
            fits = tuple(
                fit
                for fit in fits
                if fit.scope in ("module", "main") or _function_of(fit.scope) in reached
            )
        if not fits:
            return
        seeds = ctx.scan.seeds
        top_helpers, any_helpers = seeding_helpers(facts)
        fix: Fix | None = None
        fix_built = False
        for fit in fits:
            covered = covering(fit, seeds, facts.top_bare)
            helpers = top_helpers if fit.scope in ("module", "main") else any_helpers
            if helpers:
                covered = REQUIRED  # a seeding helper from another module: trust its name
            missing = REQUIRED - covered
            if not missing:
                continue
            if not fix_built:
                value = next((s.value for s in seeds if s.value is not None), 0)
                fix = seed_fix(ctx.module, value)
                fix_built = True
            yield ctx.finding(self, fit.span, self._message(fit, covered, missing), fix=fix)

    @staticmethod
    def _message(fit: FitCall, covered: frozenset[str], missing: frozenset[str]) -> str:
        call = f"{fit.receiver}.fit()" if fit.receiver else "fit()"
        if not covered:
            head = f"{call} runs with no global seed"
        else:
            head = (
                f"{call} runs with only {', '.join(sorted(covered))} seeded "
                f"({', '.join(sorted(missing))} not"
                + (
                    ", and Keras 3 takes initializer seeds from Python's random"
                    if "python" in missing
                    else ""
                )
                + ")"
            )
        return (
            f"{head}: initial weights, shuffling and dropout differ on every run, so the accuracy "
            "it reaches is one draw from a distribution; call keras.utils.set_random_seed(SEED) "
            "(seeds Python, NumPy and the backend) before building the model"
        )
