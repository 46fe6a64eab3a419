"""Which Keras a file is written against, read from the file itself, and how that Keras seeds.

ADNN201's fix must call what the file's Keras has: ``keras.utils.set_random_seed`` exists only
from Keras 2.7 (and in tf.keras from TensorFlow 2.7), so Keras 1 and 2 code gets the seeding calls
those versions have. Nothing is imported or run: the version is inferred from what the source
spells (Keras 1 arguments, modules Keras 3 removed, TensorFlow 1 graph APIs). A file with none of
these is taken to be written for the current Keras.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from typing import Literal

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


def keras_api(source: str) -> KerasApi:
    """Infer the Keras (and TensorFlow) API that ``source`` is written against."""
    walk = _Walk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the linted code's invalid escapes are not ours
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            tree = None  # LibCST parsed it; a newer-syntax file ast rejects reads as current
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
