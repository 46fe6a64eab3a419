"""ADNN201's analysis: which ``fit()`` calls train a model, and which seeding calls reach each of
them (at module level, in a main guard, or in the functions a training call is reached from)."""

from __future__ import annotations

from collections.abc import Sequence, Set

from adnn_lint.rules._filefacts import FileFacts
from adnn_lint.scan.records import FitCall, SeedCall

#: Packages whose seeding functions the scanner already records with what they cover.
_KNOWN_SEEDERS = frozenset({"random", "numpy", "tensorflow", "keras", "tf_keras"})


#: Keras classes whose ``fit()`` computes statistics and trains nothing:
#: ``ImageDataGenerator.fit(x)`` measures the mean, std and ZCA whitening of ``x`` for
#: ``featurewise_*`` normalization (Keras 2 and its legacy module in Keras 3).
STATISTICS_ONLY = frozenset({"ImageDataGenerator"})

#: ``ImageDataGenerator.fit``'s own keywords; ``Model.fit`` accepts neither, so a call passing
#: one is not a training run even when the receiver is unknown (a helper's parameter).
_STATISTICS_KEYWORDS = frozenset({"augment", "rounds"})

#: Libraries whose objects' ``fit()`` never trains a Keras model: estimators and transformers
#: (scikit-learn's ``StandardScaler().fit(x)``), gradient boosting, statistics, PyTorch
#: trainers, and the standalone Keras 2 preprocessing package. Any other library is not
#: assumed either way.
NON_KERAS_ESTIMATORS = frozenset(
    {
        "catboost",
        "category_encoders",
        "gensim",
        "hdbscan",
        "imblearn",
        "keras_preprocessing",
        "lightgbm",
        "lightning",
        "numpy",
        "pandas",
        "prophet",
        "pytorch_lightning",
        "scipy",
        "skorch",
        "sklearn",
        "statsmodels",
        "umap",
        "xgboost",
    }
)


def trains(fit: FitCall, owned: Set[FitCall], compiled: set[str]) -> bool:
    """Whether ``fit`` trains a Keras model, from what the scanner knows about its receiver.

    It does when Keras or TensorFlow built the receiver, unless it is a :data:`STATISTICS_ONLY`
    class (``keras.models.load_model(...)`` and Keras' scikit-learn wrapper train), and when the
    receiver is a model the file builds (``owned``: the fits of the file's models, a set so that
    a file of many models stays linear) or a name it compiles. It does not when a
    :data:`NON_KERAS_ESTIMATORS` library built the receiver, or when the call passes
    ``ImageDataGenerator.fit``'s own keywords. Anything else (a model from the project's own
    ``build_model()``, a function parameter, ``self.model``) counts as training: in a file that
    uses Keras such a ``fit()`` is almost always a model's, and a missed unseeded run costs
    more than a seeding call or a ``# noqa`` on a rare non-model ``fit()``.
    """
    # What built the receiver where fit() is called comes first: a name may be reused.
    if fit.built_by is not None:
        root, _, rest = fit.built_by.partition(".")
        if root in ("keras", "tensorflow"):
            return rest.rsplit(".", 1)[-1] not in STATISTICS_ONLY
        if root in NON_KERAS_ESTIMATORS:
            return False
    if fit in owned or fit.receiver in compiled:
        return True
    return _STATISTICS_KEYWORDS.isdisjoint(fit.keywords)


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


def function_of(scope: str) -> str | None:
    return scope.split(":", 1)[1].split(".")[-1] if scope.startswith("function:") else None


def covering(fit: FitCall, seeds: Sequence[SeedCall], top_calls: set[str]) -> frozenset[str]:
    """What the seeds that certainly run before ``fit`` cover."""
    covered: set[str] = set()
    for seed in seeds:
        helper = function_of(seed.scope)
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
