"""ADNN201: fit() reached without global seeding."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules._filefacts import FACTS
from adnn_lint.rules._seeding import (
    KERAS_API,
    REQUIRED,
    KerasApi,
    SeedCallPlan,
    seed_fix,
    seeding_for,
)
from adnn_lint.rules._training import (
    covering,
    function_of,
    reached_functions,
    seeding_helpers,
    trains,
)
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, FitCall, Fix


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

    Only ``fit()`` calls that train are reported. One on a model the file builds or compiles,
    or on an object Keras built (``keras.models.load_model(...)``), trains. One on an object of
    a class whose ``fit()`` only computes statistics (``ImageDataGenerator(...).fit(x)``) or of a
    library that has no Keras models (scikit-learn's ``StandardScaler``, XGBoost, ...) does not,
    and neither does a call with ``ImageDataGenerator.fit``'s own ``augment=``/``rounds=``
    keywords. A receiver the scanner knows nothing about (the project's own ``build_model()``,
    a function parameter, ``self.model``) is taken to be a model: in a file that uses Keras such
    a ``fit()`` almost always is one, and a missed unseeded run costs more than a seeding call or
    a ``# noqa`` on a rare exception. Preprocessing ``adapt()``, ``fit_transform()`` and
    ``fit_on_texts()`` are not ``fit()`` and never reported.

    The seeding has to run before the ``fit()`` it protects: on module level and in
    ``if __name__ == "__main__":`` blocks the rule checks the order; a seeding helper function
    called from there counts; for a ``fit()`` inside a function, whose callers are not tracked,
    any seeding in the file counts, and only functions that the file itself calls (from module
    level or the main guard, directly or through its other functions) are checked: a ``fit()``
    in library code is seeded by its caller.

    What to do: call ``keras.utils.set_random_seed(SEED)`` once, before the model is built, or,
    where the file's Keras lacks it, the calls that Keras has. The autofix inserts them after the
    imports and after the setup that must come before Keras is imported (``os.environ
    ["KERAS_BACKEND"] = ...``, a ``try: import keras / except ImportError:`` fallback), with the
    imports they need right there, reusing a seed value already in the file. Which calls depends
    on the Keras the file is written for, read from what it spells (nothing is imported):

    - Keras 1 (``init=``, ``nb_epoch=``, ``output_dim=``, ``Convolution2D``...): ``random.seed``
      and ``numpy.random.seed``; its Theano and TensorFlow backends draw every op seed from
      NumPy, so NumPy is all that must be seeded, plus ``tf.set_random_seed`` where the file
      uses TensorFlow itself.
    - Keras 2 or older (``from __future__ import print_function``, ``keras.layers.core`` and
      other modules Keras 3 removed, ``lr=``, ``fit_generator``, TensorFlow 1 graph APIs such as
      ``tf.Session`` or ``K.set_session``): ``random.seed``,
      ``numpy.random.seed`` and ``tf.compat.v1.set_random_seed`` (TensorFlow 1.13 and every 2.x),
      or ``tf.set_random_seed`` where the file uses TensorFlow 1 APIs (``tf.Session``...).
      ``keras.utils.set_random_seed`` exists only from Keras 2.7.
    - tf.keras (``import tensorflow as tf``, ``from tensorflow import keras``, ``import
      tensorflow.keras as tfk``): ``random.seed``, ``numpy.random.seed`` and
      ``tf.random.set_seed``, what ``tf.keras.utils.set_random_seed`` (TensorFlow 2.7+) does and
      every TensorFlow 2 has (``tf.compat.v1.set_random_seed`` or ``tf.set_random_seed`` where
      the file spells TensorFlow 1); never a standalone ``import keras``. ``tf_keras``:
      ``tf_keras.utils.set_random_seed``.
    - Anything else, including a file that spells nothing older: the current Keras and
      ``keras.utils.set_random_seed``. Keras 2.4 to 2.6 code that spells nothing older gets a
      call those versions lack; such a file cannot be told from current code.

    The fix is unsafe: it changes every random stream of the program, not only the initial
    weights.
    """

    code = "ADNN201"
    name = "unseeded-training"
    severity = "warning"
    summary = "`fit()` reached without global seeding: accuracy varies from run to run."
    fixable = "unsafe"
    fix_does = (
        "inserts the seeding calls that the file's Keras has (`keras.utils.set_random_seed` from "
        "Keras 2.7; the `random`, NumPy and TensorFlow seeds in older Keras and in tf.keras) after "
        "the imports and the setup that must precede them."
    )
    fix_why = (
        "seeding changes every random stream of the program (shuffling, dropout, data splits), "
        "not only the initial weights."
    )
    VALID = (
        # A project's own seeding helper, imported from elsewhere: trusted.
        example(
            """
            import keras
            from common.repro import seed_everything
            seed_everything(42)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
            model.compile(loss='mse')
            model.fit(x, y)
            """
        ),
        # scikit-learn's fit() in a Keras file is not a Keras training run.
        example(
            """
            import keras
            from sklearn.linear_model import LogisticRegression
            baseline = LogisticRegression()
            baseline.fit(x, y)
            head = keras.layers.Dense(1)
            """
        ),
        # ImageDataGenerator.fit() computes featurewise statistics; it trains nothing.
        example(
            """
            from keras.preprocessing.image import ImageDataGenerator
            datagen = ImageDataGenerator(featurewise_center=True, zca_whitening=True)
            datagen.fit(x_train)
            """
        ),
        # Keras 1 draws every op seed from NumPy: seeding NumPy is enough there.
        example(
            """
            import numpy as np
            np.random.seed(1337)  # for reproducibility
            from keras.models import Sequential
            from keras.layers import Dense
            model = Sequential()
            model.add(Dense(output_dim=10, input_dim=784, init='uniform'))
            model.compile(loss='mse', optimizer='sgd')
            model.fit(x, y, nb_epoch=5)
            """
        ),
        example(
            """
            import keras
            keras.utils.set_random_seed(1)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
            model.compile(loss='mse')
            model.fit(x, y)
            """
        ),
        example(
            """
            import random
            import numpy as np
            import tensorflow as tf

            def seed_everything(seed):
                random.seed(seed)
                rng = np.random.default_rng(seed)
                tf.random.set_seed(seed)

            if __name__ == '__main__':
                seed_everything(0)
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                model.compile(loss='mse')
                model.fit(x, y)
            """
        ),
    )
    INVALID = (
        (
            # Keras 3: after the backend choice, which must precede the import.
            example(
                """
                import os

                os.environ["KERAS_BACKEND"] = "jax"

                import keras

                model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
                model.compile(loss="mse")
                model.fit(x, y, epochs=3)
                """
            ),
            Invalid(
                "ADNN201",
                line=9,
                fixed=example(
                    """
                    import os

                    os.environ["KERAS_BACKEND"] = "jax"

                    import keras

                    keras.utils.set_random_seed(0)

                    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
                    model.compile(loss="mse")
                    model.fit(x, y, epochs=3)
                    """
                ),
            ),
        ),
        (
            # tf.keras: the calls every TensorFlow 2 has, and no standalone `import keras`.
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
                "import random\n"
                "import numpy\n"
                "import tensorflow\n"
                "\n"
                "random.seed(0)\n"
                "numpy.random.seed(0)\n"
                "tensorflow.random.set_seed(0)\n"
                "\n"
                "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
                'model.compile(loss="mse")\n'
                "model.fit(x, y, epochs=3)\n",
            ),
        ),
        (
            # Only what is missing is added, with the file's own seed and names.
            example(
                """
                import tensorflow as tf
                tf.random.set_seed(7)
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                model.compile(loss='mse')
                model.fit(x, y)
                """
            ),
            Invalid(
                "ADNN201",
                line=5,
                fixed=example(
                    """
                    import tensorflow as tf
                    import random
                    import numpy

                    random.seed(7)
                    numpy.random.seed(7)
                    tf.random.set_seed(7)
                    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                    model.compile(loss='mse')
                    model.fit(x, y)
                    """
                ),
            ),
        ),
        (
            # Keras 2.3 (a Python 2 era file): no keras.utils.set_random_seed there.
            example(
                """
                from __future__ import print_function

                import numpy as np
                from keras.models import Sequential
                from keras.layers import Dense

                model = Sequential()
                model.add(Dense(10, activation='softmax', input_shape=(784,)))
                model.compile(loss='categorical_crossentropy', optimizer='sgd')
                model.fit(x, y, epochs=20)
                """
            ),
            Invalid(
                "ADNN201",
                line=10,
                fixed=example(
                    """
                    from __future__ import print_function

                    import numpy as np
                    from keras.models import Sequential
                    from keras.layers import Dense
                    import random
                    import tensorflow

                    random.seed(0)
                    np.random.seed(0)
                    tensorflow.compat.v1.set_random_seed(0)

                    model = Sequential()
                    model.add(Dense(10, activation='softmax', input_shape=(784,)))
                    model.compile(loss='categorical_crossentropy', optimizer='sgd')
                    model.fit(x, y, epochs=20)
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        compiled = {c.receiver for c in ctx.scan.compiles if c.receiver is not None}
        owned = {fit for model in ctx.scan.models for fit in model.fits}
        fits = tuple(fit for fit in ctx.scan.fits if trains(fit, owned, compiled))
        if not fits:
            return
        facts = ctx.analysis(FACTS)
        if any(fit.scope not in ("module", "main") for fit in fits):
            reached = reached_functions(facts)
            fits = tuple(
                fit
                for fit in fits
                if fit.scope in ("module", "main") or function_of(fit.scope) in reached
            )
        if not fits:
            return
        seeds = ctx.scan.seeds
        top_helpers, any_helpers = seeding_helpers(facts)
        api: KerasApi | None = None
        fix: Fix | None = None
        fix_built = False
        for fit in fits:
            covered = covering(fit, seeds, facts.top_bare)
            helpers = top_helpers if fit.scope in ("module", "main") else any_helpers
            if helpers:
                covered = REQUIRED  # a seeding helper from another module: trust its name
            if not REQUIRED - covered:
                continue  # every Keras's needs are met: no need to tell which one this is
            if api is None:
                api = ctx.analysis(KERAS_API)
            plans, required = seeding_for(api)
            missing = required - covered
            if not missing:
                continue
            if not fix_built:
                value = next((s.value for s in seeds if s.value is not None), 0)
                fix = seed_fix(ctx.module, value, api, missing)
                fix_built = True
            keras3 = plans[0].module == "keras"  # Keras 3 seeds initializers from `random`
            message = self._message(fit, covered, missing, _advice(api, plans), keras3)
            yield ctx.finding(self, fit.span, message, fix=fix)

    @staticmethod
    def _message(
        fit: FitCall, covered: frozenset[str], missing: frozenset[str], advice: str, keras3: bool
    ) -> str:
        call = f"{fit.receiver}.fit()" if fit.receiver else "fit()"
        if not covered:
            head = f"{call} runs with no global seed"
        else:
            head = (
                f"{call} runs with only {', '.join(sorted(covered))} seeded "
                f"({', '.join(sorted(missing))} not"
                + (
                    ", and Keras 3 takes initializer seeds from Python's random"
                    if "python" in missing and keras3
                    else ""
                )
                + ")"
            )
        return (
            f"{head}: initial weights, shuffling and dropout differ on every run, so the accuracy "
            f"it reaches is one draw from a distribution; {advice}"
        )


def _advice(api: KerasApi, plans: tuple[SeedCallPlan, ...]) -> str:
    """What to call, in the file's Keras, and why not ``keras.utils.set_random_seed`` there."""
    if len(plans) == 1:
        return (
            f"call {plans[0].spelled()} (seeds Python, NumPy and the backend) before building "
            "the model"
        )
    calls = [plan.spelled() for plan in plans]
    listed = ", ".join(calls[:-1]) + f" and {calls[-1]}"
    if api.flavour == "keras" and api.era == "keras1":
        why = f"the file is written for Keras 1 (it uses {api.evidence}), which has no "
        why += "set_random_seed"
        if len(plans) == 2:
            why += " and whose backends draw every op seed from NumPy"
    elif api.flavour == "keras":
        why = (
            f"the file is written for Keras 2 or older (it uses {api.evidence}), and "
            "keras.utils.set_random_seed exists only from Keras 2.7"
        )
    elif api.tf_spelling == "tf1":
        why = f"the file is written for TensorFlow 1 (it uses {api.evidence})"
    else:
        why = (
            "tf.keras.utils.set_random_seed makes these calls, but exists only from TensorFlow 2.7"
        )
    return f"call {listed} before building the model; {why}"
