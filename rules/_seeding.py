"""Which Keras a file is written against, read from the file itself, how that Keras seeds, and
the seeding fix of ADNN201 (which calls, inserted where).

ADNN201's fix must call what the file's Keras has: ``keras.utils.set_random_seed`` exists only
from Keras 2.7 (and in tf.keras from TensorFlow 2.7), so Keras 1 and 2 code gets the seeding calls
those versions have. Nothing is imported or run: the version is inferred from what the source
spells (Keras 1 arguments, modules Keras 3 removed, TensorFlow 1 graph APIs). A file with none of
these is taken to be written for the current Keras.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

import libcst as cst

from adnn_lint.rules._filefacts import PYTHON_TREE, dotted
from adnn_lint.rules.base import Analysis
from adnn_lint.scan.records import Edit, Fix

Flavour = Literal["keras", "tf.keras", "tf_keras"]
#: keras1: Keras 1.x, whose backends draw every op seed from NumPy; keras2: Keras 2 before 2.7
#: (the file uses what Keras 3 removed); current: Keras 2.7+ or 3, with keras.utils.set_random_seed.
Era = Literal["keras1", "keras2", "current"]
#: How the file's TensorFlow seeds: tf1 ``tf.set_random_seed``; compat ``tf.compat.v1...``
#: (TensorFlow 1.13 and every 2.x); tf2 ``tf.random.set_seed``.
TfSpelling = Literal["tf1", "compat", "tf2"]

#: Keyword arguments that only Keras 1 accepts.
_KERAS1_KEYWORDS = frozenset(
    {
        "init",
        "nb_epoch",
        "output_dim",
        "nb_filter",
        "nb_row",
        "nb_col",
        "border_mode",
        "subsample",
        "W_regularizer",
        "b_regularizer",
        "W_constraint",
        "b_constraint",
        "dim_ordering",
        "samples_per_epoch",
        "nb_val_samples",
        "nb_worker",
    }
)
#: Names that only Keras 1 exports.
_KERAS1_NAMES = frozenset(
    {
        "Convolution1D",
        "Convolution2D",
        "Convolution3D",
        "AtrousConvolution2D",
        "MaxoutDense",
        "Highway",
        "TimeDistributedDense",
        "merge",
    }
)
#: Modules of Keras 1/2 that Keras 3 removed: a file importing them is written for Keras 2 at most.
_KERAS2_MODULES = (
    "keras.layers.core",
    "keras.layers.convolutional",
    "keras.layers.recurrent",
    "keras.layers.normalization",
    "keras.layers.advanced_activations",
    "keras.layers.embeddings",
    "keras.layers.pooling",
    "keras.layers.merge",
    "keras.layers.wrappers",
    "keras.layers.noise",
    "keras.layers.local",
    "keras.utils.np_utils",
    "keras.engine",
    "keras.legacy",
    "keras.wrappers",
    "keras.backend.tensorflow_backend",
    "keras.backend.theano_backend",
)
#: Methods and arguments that Keras 3 removed.
_KERAS2_CALLS = frozenset({"fit_generator", "evaluate_generator", "predict_generator"})
_KERAS2_KEYWORDS = frozenset({"lr"})
#: ``from __future__`` features that only matter to Python 2: code from Keras 2.3 or earlier.
_PYTHON2_FUTURES = frozenset({"print_function", "division", "absolute_import", "unicode_literals"})
#: TensorFlow 1 graph APIs (``tf.Session``...), gone from TensorFlow 2 but for ``tf.compat.v1``.
_TF1_ATTRIBUTES = frozenset(
    {
        "Session",
        "InteractiveSession",
        "placeholder",
        "ConfigProto",
        "GPUOptions",
        "set_random_seed",
        "global_variables_initializer",
        "get_default_graph",
        "reset_default_graph",
        "contrib",
        "enable_eager_execution",
        "variable_scope",
        "get_variable",
    }
)
#: Keras calls that exist only on TensorFlow 1 backends.
_TF1_BACKEND_CALLS = frozenset({"get_session", "set_session"})


@dataclass(frozen=True)
class KerasApi:
    """What the file is written against."""

    flavour: Flavour
    era: Era
    tf_spelling: TfSpelling
    imports_tensorflow: bool
    evidence: str | None = None  # what the file spells that set the era: "nb_epoch="


class _Walk(ast.NodeVisitor):
    def __init__(self) -> None:
        self.standalone = False
        self.tf_keras_package = False
        self.tensorflow: set[str] = set()  # names bound to the tensorflow module
        self.imports_tensorflow = False
        self.keras1: str | None = None
        self.keras2: str | None = None
        self.tf1: str | None = None
        self.compat = False

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name)
            if alias.name == "tensorflow" or alias.name.startswith("tensorflow."):
                self.imports_tensorflow = True
                if alias.name == "tensorflow":
                    self.tensorflow.add(alias.asname or "tensorflow")
                elif alias.asname is None:
                    self.tensorflow.add("tensorflow")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            return
        module = node.module or ""
        if module == "__future__":
            python2 = sorted(a.name for a in node.names if a.name in _PYTHON2_FUTURES)
            if python2 and self.keras2 is None:
                self.keras2 = f"from __future__ import {python2[0]}"
            return
        self._module(module)
        if module == "tensorflow" or module.startswith("tensorflow."):
            self.imports_tensorflow = True
        if module.split(".")[0] == "keras":
            for alias in node.names:
                if alias.name in _KERAS1_NAMES and self.keras1 is None:
                    self.keras1 = alias.name

    def _module(self, name: str) -> None:
        root = name.split(".")[0]
        if root == "keras":
            self.standalone = True
            for old in _KERAS2_MODULES:
                if (name == old or name.startswith(old + ".")) and self.keras2 is None:
                    self.keras2 = name
        elif root == "tf_keras":
            self.tf_keras_package = True

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg in _KERAS1_KEYWORDS and self.keras1 is None:
                self.keras1 = f"{keyword.arg}="
            elif keyword.arg in _KERAS2_KEYWORDS and self.keras2 is None:
                self.keras2 = f"{keyword.arg}="
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _KERAS2_CALLS and self.keras2 is None:
            self.keras2 = f"{name}()"
        elif name in _KERAS1_NAMES and self.keras1 is None:
            self.keras1 = str(name)
        if name in _TF1_BACKEND_CALLS and self.tf1 is None:
            self.tf1 = f"{name}()"
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        if isinstance(value, ast.Name) and value.id in self.tensorflow:
            if node.attr in _TF1_ATTRIBUTES and self.tf1 is None:
                self.tf1 = f"{value.id}.{node.attr}"
            elif node.attr == "compat":
                self.compat = True
        self.generic_visit(node)


def api_of(tree: ast.Module | None) -> KerasApi:
    """The Keras API of a file parsed by ``ast`` (None: ast rejected it; it reads as current)."""
    walk = _Walk()
    if tree is not None:
        walk.visit(tree)
    flavour: Flavour = "keras"
    if not walk.standalone:
        flavour = "tf_keras" if walk.tf_keras_package else "tf.keras"
        if not walk.tf_keras_package and not walk.imports_tensorflow:
            flavour = "keras"  # nothing Keras imported here (a notebook cell, a fragment)
    era: Era = "current"
    evidence = None
    if flavour == "keras" and walk.keras1 is not None:
        era, evidence = "keras1", walk.keras1
    elif flavour == "keras" and walk.keras2 is not None:
        era, evidence = "keras2", walk.keras2
    elif flavour == "keras" and walk.tf1 is not None:
        era, evidence = "keras2", walk.tf1  # TensorFlow 1 graph code: Keras 2.3 at the latest
    spelling: TfSpelling = "tf2"
    if walk.tf1 is not None:
        spelling = "tf1"
        evidence = evidence or walk.tf1
    elif walk.compat:
        spelling = "compat"
    return KerasApi(flavour, era, spelling, walk.imports_tensorflow, evidence)


#: What must be seeded before training for a run to repeat: Python's ``random`` (Keras 3 draws
#: the seed of every unseeded initializer from it), NumPy (shuffling, data splits, augmentation)
#: and TensorFlow (dropout, tf.data shuffling, tf.keras 2.x initializers).
REQUIRED = frozenset({"python", "numpy", "tensorflow"})

#: The Keras API the file is written against.
KERAS_API = Analysis("keras api", lambda ctx: api_of(ctx.analysis(PYTHON_TREE)))

# --- the fix: which seeding calls, and where they go ------------------------------------------


@dataclass(frozen=True)
class SeedCallPlan:
    """One seeding call: ``<name bound to module>.<path>(SEED)``, and what it seeds."""

    module: str
    path: str
    covers: frozenset[str]

    def spelled(self, value: int | str = "SEED") -> str:
        short = {"numpy": "np", "tensorflow": "tf"}.get(self.module, self.module)
        return f"{short}.{self.path}({value})"


_PYTHON = SeedCallPlan("random", "seed", frozenset({"python"}))
_NUMPY = SeedCallPlan("numpy", "random.seed", frozenset({"numpy"}))


def seeding_for(api: KerasApi) -> tuple[tuple[SeedCallPlan, ...], frozenset[str]]:
    """The seeding calls that exist in the file's Keras, and what must be seeded there.

    ``set_random_seed`` (Keras 2.7+, and tf_keras) seeds all three at once. Older Keras gets
    ``random`` and NumPy, which every version has, plus the TensorFlow seed spelled as the
    file's TensorFlow spells it; Keras 1's backends draw every op seed from NumPy, so there a
    TensorFlow seed is needed (and added) only when the file uses TensorFlow itself. tf.keras
    gets the three calls that ``tf.keras.utils.set_random_seed`` makes, which every TensorFlow 2
    has, while that function needs 2.7.
    """
    if api.flavour == "tf_keras":
        return (SeedCallPlan("tf_keras", "utils.set_random_seed", REQUIRED),), REQUIRED
    if api.flavour == "keras" and api.era == "current":
        return (SeedCallPlan("keras", "utils.set_random_seed", REQUIRED),), REQUIRED
    tensorflow = frozenset({"tensorflow"})
    if api.era == "keras1" or api.tf_spelling == "tf1":
        tf_seed = SeedCallPlan("tensorflow", "set_random_seed", tensorflow)
    elif api.era == "keras2" or api.tf_spelling == "compat":
        tf_seed = SeedCallPlan("tensorflow", "compat.v1.set_random_seed", tensorflow)
    else:
        tf_seed = SeedCallPlan("tensorflow", "random.set_seed", tensorflow)
    if api.era == "keras1" and not api.imports_tensorflow:
        return (_PYTHON, _NUMPY), frozenset({"numpy"})
    if api.era == "keras1":
        return (_PYTHON, _NUMPY, tf_seed), frozenset({"numpy", "tensorflow"})
    return (_PYTHON, _NUMPY, tf_seed), REQUIRED


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    # isinstance, not libcst.matchers: importing the matchers costs ~0.7 s per process.
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    expr = stmt.body[0]
    return isinstance(expr, cst.Expr) and isinstance(expr.value, cst.SimpleString)


#: Roots of calls that set a process up before Keras is imported (``os.environ[...]``,
#: ``sys.path.insert``, ``matplotlib.use``): the seeding goes after them and after the imports.
_SETUP_ROOTS = frozenset({"os", "sys", "warnings", "matplotlib", "mpl", "logging"})


def _is_setup(stmt: cst.BaseStatement) -> bool:
    """Statements that may sit between imports and must stay before the seeding: environment
    and path setup, constants (``SEED = 42``), and ``pass`` (a notebook magic's stand-in)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, cst.SimpleString):
                continue
            if isinstance(value, cst.Call) and dotted(value.func).split(".")[0] in _SETUP_ROOTS:
                continue
            return False
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
            if all(isinstance(t, cst.Subscript) and "environ" in dotted(t.value) for t in targets):
                continue
            if all(isinstance(t, cst.Name) for t in targets) and _is_constant(small.value):
                continue
        return False
    return True


def _is_constant(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name):
        return value.value in ("None", "True", "False")
    return isinstance(value, cst.SimpleString | cst.Integer | cst.Float)


def _imports_within(stmt: cst.BaseStatement) -> list[cst.Import | cst.ImportFrom]:
    """The imports of an import line, or of a ``try``/``if`` made only of imports and setup
    (the ``try: import keras / except ImportError:`` fallback); [] for anything else, such as
    a main guard that imports before it trains."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return [s for s in stmt.body if isinstance(s, cst.Import | cst.ImportFrom)]
    blocks: list[cst.BaseSuite] = []
    if isinstance(stmt, cst.Try):
        blocks = [stmt.body, *(h.body for h in stmt.handlers)]
        blocks += [stmt.orelse.body] if stmt.orelse else []
    elif isinstance(stmt, cst.If):
        blocks = [stmt.body]
        if isinstance(stmt.orelse, cst.Else):
            blocks.append(stmt.orelse.body)
        elif isinstance(stmt.orelse, cst.If):
            blocks.append(cst.IndentedBlock(body=[stmt.orelse]))
    found: list[cst.Import | cst.ImportFrom] = []
    for block in blocks:
        inner_statements = block.body if isinstance(block, cst.IndentedBlock) else ()
        for inner in inner_statements:
            within = _imports_within(inner)
            raising = isinstance(inner, cst.SimpleStatementLine) and all(
                isinstance(small, cst.Raise) for small in inner.body
            )
            if not (within or raising or _is_setup(inner)):
                return []
            found += within
    return found


def _anchor(module: cst.Module) -> tuple[int | None, list[cst.Import | cst.ImportFrom]]:
    """The index of the last import in the module's setup region (imports, import fallbacks,
    setup statements: see :func:`_is_setup`), and the imports up to it."""
    last: int | None = None
    imports: list[cst.Import | cst.ImportFrom] = []
    pending: list[cst.Import | cst.ImportFrom] = []
    for index, stmt in enumerate(module.body):
        if index == 0 and _is_docstring(stmt):
            continue
        within = _imports_within(stmt)
        if within:
            pending += within
            last, imports = index, list(pending)
        elif not _is_setup(stmt):
            break
    return last, imports


def _bound_names(imports: list[cst.Import | cst.ImportFrom]) -> tuple[dict[str, str], set[str]]:
    """Module -> the name that these imports bind to it (``import numpy as np``: np), and every
    name they bind (``from numpy import random`` binds random)."""
    bound: dict[str, str] = {}
    taken: set[str] = set()
    for small in imports:
        if isinstance(small.names, cst.ImportStar):
            continue
        for alias in small.names:
            name = dotted(alias.name)
            if isinstance(small, cst.ImportFrom):
                taken.add(alias.evaluated_alias or name)
            elif alias.asname is not None:
                bound.setdefault(name, alias.evaluated_alias or name)
            else:
                bound.setdefault(name.split(".")[0], name.split(".")[0])
    return bound, taken | set(bound.values())


def seed_fix(
    module: cst.Module, value: int, api: KerasApi, missing: frozenset[str] = REQUIRED
) -> Fix | None:
    """Seed what is ``missing`` with the calls the file's Keras has (:func:`seeding_for`),
    right after the imports and the setup that must precede them (an ``os.environ`` backend
    choice, a ``try: import keras`` fallback), importing what the calls need right there."""
    if not module.body or (len(module.body) == 1 and _is_docstring(module.body[0])):
        return None
    plans, _ = seeding_for(api)
    plans = tuple(p for p in plans if p.covers & missing) or plans
    index, imports = _anchor(module)
    bound, taken = _bound_names(imports)
    lines: list[str] = []
    calls: list[str] = []
    for plan in plans:
        name = bound.get(plan.module)
        if name is None:
            if plan.module in taken:
                return None  # the module's own name is bound to something else here
            name = plan.module
            lines.append(f"import {plan.module}\n")
            bound[plan.module] = name
        calls.append(f"{name}.{plan.path}({value})\n")
    added = [cst.parse_statement(line) for line in lines]
    seeded = [cst.parse_statement(line) for line in calls]
    if index is not None:
        anchor = module.body[index]
        # A blank line before the calls, as isort and ruff's formatter lay a module out.
        first = seeded[0].with_changes(leading_lines=[cst.EmptyLine()])  # type: ignore[attr-defined]
        replacement = cst.FlattenSentinel([anchor, *added, first, *seeded[1:]])
    else:
        first_index = 1 if _is_docstring(module.body[0]) else 0
        anchor = module.body[first_index]
        # The calls go before the first statement, which keeps its comments and blank lines.
        head = [*added, *seeded]
        if added:  # imports it adds are set off from the calls, as in the branch above
            first = seeded[0].with_changes(leading_lines=[cst.EmptyLine()])  # type: ignore[attr-defined]
            head = [*added, first, *seeded[1:]]
        head[0] = head[0].with_changes(leading_lines=anchor.leading_lines)  # type: ignore[attr-defined]
        moved = anchor.with_changes(leading_lines=())  # type: ignore[call-arg]
        replacement = cst.FlattenSentinel([*head, moved])
    described = "; ".join(c.strip() for c in calls)
    return Fix(
        description=f"Call {described} after the imports",
        edits=(Edit(anchor, replacement),),
        safe=False,
    )
