"""Specs extracted from the rule corpus and the shipped examples: valid, round-tripping, faithful
to the source, and (with the runtime extra) rebuildable as Keras models without edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from adnn_lint.cli import main
from adnn_lint.commands.spec import specs_from_file
from adnn_lint.spec.check import check_spec
from adnn_lint.spec.model import Spec
from adnn_lint.spec.syntax import dumps, loads

ROOT = Path(__file__).parents[2]
SOURCES = sorted(
    path
    for folder in (ROOT / "tests" / "corpus", ROOT / "examples")
    for pattern in ("*.py", "*.ipynb")
    for path in folder.glob(pattern)
)
FIXTURES = ROOT / "tests" / "fixtures" / "spec"
#: Typical programs in the styles of the Keras and TensorFlow tutorials, Keras 1 and 2 scripts.
PROGRAMS = sorted((FIXTURES / "programs").glob("*.py"))


def _specs(name: str) -> list[Spec]:
    return specs_from_file(next(p for p in SOURCES if p.name == name))


@pytest.mark.parametrize("path", SOURCES + PROGRAMS, ids=lambda p: p.name)
def test_extracted_specs_check_and_round_trip(path: Path) -> None:
    for spec in specs_from_file(path):
        assert check_spec(spec) == [], dumps(spec)
        assert loads(dumps(spec), str(path)) == spec


def test_every_keras_source_yields_a_spec() -> None:
    counts = {p.name: len(specs_from_file(p)) for p in SOURCES}
    assert counts.pop("not_keras.py") == 0
    assert all(n >= 1 for n in counts.values()), counts


def test_keras1_mlp() -> None:
    (spec,) = _specs("keras1_mnist_mlp.py")
    assert spec.model.input_shape == (784,)
    assert [x.class_name for x in spec.model.layers] == [
        "Dense", "Activation", "Dropout"] * 2 + ["Dense", "Activation"]  # fmt: skip
    first, typo = spec.model.layers[0], spec.model.layers[3]
    assert (first.units, first.initializers[0].family, first.initializers[0].origin) == (
        512, "zeros", "explicit")  # fmt: skip
    assert typo.unresolved == ("kernel_initializer",)  # 'glorot_unifrom' is never guessed
    assert spec.model.layers[2].options == {"rate": 0.2}
    t = spec.train
    assert (t.optimizer, t.learning_rate, t.loss, t.epochs, t.batch_size) == (
        "rmsprop", 0.001, "categorical_crossentropy", 20, 128)  # fmt: skip
    assert spec.data.source == "mnist"


def test_functional_branches_keep_their_inputs() -> None:
    (spec,) = _specs("tf_keras2_functional.py")
    by_name = {x.name: x for x in spec.model.layers}
    assert by_name["dense"].inputs == () and by_name["dense_1"].inputs == ()  # both read the input
    assert spec.model.input_shape == (64,)
    assert spec.train.optimizer == "sgd" and spec.train.learning_rate == 0.01
    assert spec.train.unresolved == ()
    # layers.concatenate([wide, deep]) builds a Concatenate layer: the merge is in the graph
    assert by_name["concatenate"].inputs == ("dense", "dense_3")
    assert by_name["dense_4"].inputs == ("concatenate",)
    assert by_name["concatenate"].unresolved == by_name["dense_4"].unresolved == ()


def test_subclassed_model_marks_what_it_cannot_see() -> None:
    (spec,) = _specs("subclassed_model.py")
    assert spec.model.name == "Classifier"
    assert spec.model.unresolved == ("input_shape",)
    assert spec.model.layers[1].unresolved == ("kernel_initializer",)


def test_loop_with_unknown_trip_count_is_marked() -> None:
    (spec,) = _specs("keras3_shared_and_loops.py")
    assert "layers" in spec.model.unresolved
    assert spec.train.unresolved == ("epochs", "batch_size")  # compile() but no fit()


def test_cli_writes_one_file_per_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["spec", str(ROOT / "examples" / "mnist_mlp.py"), "-o", str(tmp_path)])
    assert code == 0
    (written,) = tmp_path.iterdir()
    assert written.name.endswith(".adnn.toml")
    spec = loads(written.read_text())
    assert spec.model.input_shape == (784,)
    assert main(["spec", "--check", str(written)]) == 0


def test_cli_check_reports_each_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--check", str(FIXTURES / "mistakes.adnn.toml")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 9
    assert lines[0].endswith(
        "mistakes.adnn.toml:2:25: contract: accuracy 1.2 is outside [0, 1] (write 0.88 or 88%)"
    )


def test_cli_reports_a_file_that_does_not_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import keras\nmodel = keras.Sequential([\n")
    assert main(["spec", str(bad)]) == 1
    assert "bad.py:" in capsys.readouterr().err


@pytest.mark.runtime
@pytest.mark.parametrize("name", ["mnist_mlp.py", "keras1_mnist_mlp.py", "fashion_notebook.ipynb"])
def test_extracted_mlp_rebuilds_without_edits(name: str) -> None:
    pytest.importorskip("keras")
    from adnn_lint.runtime.build import build_model

    (spec,) = _specs(name)
    if name == "keras1_mnist_mlp.py":
        # the typo'd initializer is unresolved on purpose: fill it in as a user would
        import dataclasses

        from adnn_lint.spec.model import InitSpec

        layers = list(spec.model.layers)
        layers[3] = dataclasses.replace(
            layers[3], unresolved=(), initializers=(InitSpec("kernel", "glorot_uniform"),)
        )
        spec = dataclasses.replace(
            spec, model=dataclasses.replace(spec.model, layers=tuple(layers))
        )
    assert spec.model.input_shape is not None
    model = build_model(spec, spec.model.input_shape, 10)
    dense = [x for x in spec.model.layers if x.class_name == "Dense"]
    assert [int(w.shape[-1]) for w in model.weights if w.path.endswith("kernel")] == [
        x.units for x in dense
    ]


def test_tutorial_programs_are_fully_resolved() -> None:
    for path in PROGRAMS:
        (spec,) = specs_from_file(path)
        assert all(not layer.unresolved for layer in spec.model.layers), path.name
        assert "layers" not in spec.model.unresolved, path.name
    (convnet,) = specs_from_file(FIXTURES / "programs" / "keras_convnet.py")
    assert convnet.model.layers[0].options == {"kernel_size": "(3, 3)"}
    assert convnet.model.layers[1].options == {"pool_size": "(2, 2)"}
    assert (convnet.train.epochs, convnet.train.batch_size) == (15, 128)
    assert convnet.data.validation_split == 0.1


@pytest.mark.runtime
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_tutorial_programs_rebuild_without_edits(path: Path) -> None:
    pytest.importorskip("keras")
    from adnn_lint.runtime.build import build_model, model_input_shape

    (spec,) = specs_from_file(path)
    model = build_model(spec, model_input_shape(spec, (28, 28)), 10)
    widths = [x.units for x in spec.model.layers if x.units is not None]
    kernels = [w for w in model.weights if w.path.endswith("kernel")]
    assert [int(w.shape[-1]) for w in kernels] == widths
