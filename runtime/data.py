"""Data sources of the verifier, split into train / validation / test.

Sources (the ``--data`` option or the spec's ``data.source``):

- ``embedded`` (default): a small real MNIST subset shipped in the package (see
  ``runtime/data/README.md`` for its provenance), so ``verify`` works offline;
- ``mnist``, ``fashion_mnist``: through ``keras.datasets`` (its cache; downloads when absent);
- ``npz:PATH``: a file in the layout of Keras's ``mnist.npz``
  (``x_train``, ``y_train``, ``x_test``, ``y_test``);
- ``module:function``: a user function returning ``((x_train, y_train), (x_test, y_test))``.
  This imports and runs user code, so it is honoured only when the caller passes
  ``allow_code=True`` (the command does so only when the user typed it on the command line).

The validation split is the last ``validation_split`` fraction of the training split, as Keras's
own ``validation_split`` does; the test split is only ever used for the verdict.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

EMBEDDED = "embedded"
KERAS_DATASETS = ("mnist", "fashion_mnist")
_EMBEDDED_FILE = "mnist_subset.npz"
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(ValueError):
    """A data source that cannot be loaded; the message names the source."""


@dataclass(frozen=True)
class Dataset:
    """Float32 inputs scaled to [0, 1] (uint8 sources) and integer class labels."""

    source: str
    x_train: npt.NDArray[np.float32]
    y_train: npt.NDArray[np.int64]
    x_val: npt.NDArray[np.float32]
    y_val: npt.NDArray[np.int64]
    x_test: npt.NDArray[np.float32]
    y_test: npt.NDArray[np.int64]
    classes: int
    validation_split: float
    sha256: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x_train.shape[1:])


def embedded_path() -> Path:
    """The shipped MNIST subset (package data of ``adnn_lint.runtime``)."""
    return Path(str(resources.files("adnn_lint.runtime") / "data" / _EMBEDDED_FILE))


def _from_npz(path: Path, source: str) -> tuple[np.ndarray[Any, Any], ...]:
    if not path.is_file():
        raise DataError(f"{source}: no such file {path}")
    with np.load(path, allow_pickle=False) as archive:
        missing = [key for key in _NPZ_KEYS if key not in archive.files]
        if missing:
            raise DataError(
                f"{source}: missing arrays {', '.join(missing)} (Keras mnist.npz layout)"
            )
        return tuple(np.asarray(archive[key]) for key in _NPZ_KEYS)


def _from_keras(name: str) -> tuple[np.ndarray[Any, Any], ...]:
    import keras  # the runtime extra; imported only for this source

    module = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as exc:  # keras.utils.get_file raises a bare Exception when a fetch fails
        raise DataError(
            f"{name}: keras.datasets could not load it ({exc}); offline, use --data embedded "
            "or --data npz:PATH"
        ) from exc
    return (x_train, y_train, x_test, y_test)


def _from_function(source: str) -> tuple[np.ndarray[Any, Any], ...]:
    module_name, _, function_name = source.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as exc:
        raise DataError(f"{source}: cannot import ({exc})") from exc
    try:
        (x_train, y_train), (x_test, y_test) = function()
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{source}: must return ((x_train, y_train), (x_test, y_test)) ({exc})"
        ) from exc
    return tuple(np.asarray(a) for a in (x_train, y_train, x_test, y_test))


def _raw(source: str, allow_code: bool) -> tuple[np.ndarray[Any, Any], ...]:
    if source == EMBEDDED:
        return _from_npz(embedded_path(), source)
    if source in KERAS_DATASETS:
        return _from_keras(source)
    if source.startswith("npz:"):
        return _from_npz(Path(source[4:]).expanduser(), source)
    if ":" in source:
        if not allow_code:
            raise DataError(
                f"{source}: loading data by running user code needs an explicit "
                f"--data {source} on the command line"
            )
        return _from_function(source)
    raise DataError(
        f"{source}: unknown data source (use embedded, mnist, fashion_mnist, npz:PATH "
        "or module:function)"
    )


def _inputs(x: np.ndarray[Any, Any]) -> npt.NDArray[np.float32]:
    if x.dtype == np.uint8:
        return (x.astype(np.float32) / np.float32(255.0)).astype(np.float32)
    return x.astype(np.float32)


def _labels(y: np.ndarray[Any, Any], source: str) -> npt.NDArray[np.int64]:
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot labels
        hot: npt.NDArray[np.int64] = np.argmax(y, axis=1).astype(np.int64)
        return hot
    labels = y.reshape(len(y)).astype(np.int64)
    if labels.size and labels.min() < 0:
        raise DataError(f"{source}: labels must be class indices >= 0")
    return labels


def digest(arrays: tuple[np.ndarray[Any, Any], ...]) -> str:
    hasher = hashlib.sha256()
    for array in arrays:
        hasher.update(str((array.dtype.str, array.shape)).encode())
        hasher.update(np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


def load_data(
    source: str = EMBEDDED,
    *,
    validation_split: float = 0.1,
    limit: int | None = None,
    test_limit: int | None = None,
    allow_code: bool = False,
) -> Dataset:
    """Load ``source`` and split off validation; ``limit`` keeps the first N training examples."""
    if not 0.0 < validation_split < 1.0:
        raise DataError(f"{source}: validation_split must be in (0, 1), got {validation_split}")
    x_train, y_train, x_test, y_test = _raw(source, allow_code)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise DataError(f"{source}: inputs and labels differ in length")
    sha = digest((x_train, y_train, x_test, y_test))
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    if test_limit is not None:
        x_test, y_test = x_test[:test_limit], y_test[:test_limit]
    n_val = round(len(x_train) * validation_split)
    if n_val < 1 or n_val >= len(x_train):
        raise DataError(
            f"{source}: {len(x_train)} training examples cannot give a validation split "
            f"of {validation_split}"
        )
    cut = len(x_train) - n_val
    labels = _labels(y_train, source)
    test_labels = _labels(y_test, source)
    classes = int(max(labels.max(initial=0), test_labels.max(initial=0))) + 1
    inputs = _inputs(x_train)
    return Dataset(
        source=source,
        x_train=inputs[:cut],
        y_train=labels[:cut],
        x_val=inputs[cut:],
        y_val=labels[cut:],
        x_test=_inputs(x_test),
        y_test=test_labels,
        classes=classes,
        validation_split=validation_split,
        sha256=sha,
    )
