"""What a search point means: W{i} is the kernel's standard deviation, B{i} the bias value."""

from __future__ import annotations

import numpy as np
import pytest

from adnn_lint.runtime import build
from adnn_lint.spec.model import InitSpec, LayerSpec, ModelSpec, Spec

pytest.importorskip("scipy")


@pytest.mark.parametrize(
    ("family", "params", "bound"),
    [
        ("glorot_uniform", {}, np.sqrt(3.0)),
        ("random_uniform", {}, np.sqrt(3.0)),
        ("he_normal", {}, 2.0 / 0.8796),  # truncated at 2 sigma of the unscaled normal
        ("variance_scaling", {"distribution": "uniform"}, np.sqrt(3.0)),
        ("random_normal", {}, None),
        ("orthogonal", {}, None),
        ("zeros", {}, np.sqrt(3.0)),  # a constant family cannot be scaled: uniform shape
    ],
)
def test_kernel_scale_is_the_standard_deviation(
    family: str, params: dict[str, str], bound: float | None
) -> None:
    kernel = build.scaled_kernel(family, params, (400, 300), 0.05, seed=1)
    assert kernel.dtype == np.float32 and kernel.shape == (400, 300)
    assert float(kernel.std()) == pytest.approx(0.05, rel=0.02)
    assert abs(float(kernel.mean())) < 0.002
    if bound is not None:
        assert float(np.abs(kernel).max()) <= bound * 0.05 * 1.001


def test_orthogonal_rows_stay_orthogonal() -> None:
    kernel = build.scaled_kernel("orthogonal", {}, (64, 32), 0.1, seed=3).astype(np.float64)
    gram = kernel.T @ kernel
    np.testing.assert_allclose(gram, np.eye(32) * gram[0, 0], atol=1e-5)


def test_zero_scale_is_the_papers_starting_point() -> None:
    assert not build.scaled_kernel("he_uniform", {}, (5, 4), 0.0, seed=0).any()
    with pytest.raises(build.BuildError):
        build.scaled_kernel("he_uniform", {}, (5, 4), -0.1, seed=0)


def test_same_seed_same_kernel_other_seed_other_kernel() -> None:
    a = build.scaled_kernel("glorot_uniform", {}, (8, 8), 0.1, seed=7)
    b = build.scaled_kernel("glorot_uniform", {}, (8, 8), 0.1, seed=7)
    c = build.scaled_kernel("glorot_uniform", {}, (8, 8), 0.1, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def _dense(name: str, units: int, activation: str) -> LayerSpec:
    return LayerSpec(
        name=name,
        class_name="Dense",
        units=units,
        activation=activation,
        initializers=(InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros")),
    )


SPEC = Spec(
    model=ModelSpec(
        "mlp",
        None,
        (LayerSpec("flat", "Flatten"), _dense("h", 16, "relu"), _dense("out", 10, "softmax")),
    )
)


def test_point_sets_each_layer_independently() -> None:
    stack = build.dense_stack(SPEC, (28, 28))
    assert stack is not None and stack.layers == ((16, "relu"), (10, "softmax"))
    shapes = build.dense_shapes(stack)
    assert shapes["h"] == {"kernel": (784, 16), "bias": (16,)}
    point = {"W0": 0.02, "B0": 0.01, "W1": 0.0, "B1": 0.05}
    values = build.sample_initial(SPEC, shapes, point, seed=5)
    assert float(values["h"]["kernel"].std()) == pytest.approx(0.02, rel=0.05)
    np.testing.assert_array_equal(values["h"]["bias"], np.full(16, 0.01, np.float32))
    assert not values["out"]["kernel"].any()
    np.testing.assert_array_equal(values["out"]["bias"], np.full(10, 0.05, np.float32))
    # Layers draw from different streams even with equal scales.
    same = build.sample_initial(SPEC, shapes, {**point, "W1": 0.02}, seed=5)
    assert not np.array_equal(same["h"]["kernel"][:16, :10], same["out"]["kernel"][:16, :10])


def test_dense_stack_refuses_what_it_cannot_train() -> None:
    conv = Spec(model=ModelSpec("c", None, (LayerSpec("c", "Conv2D", 4),)))
    assert build.dense_stack(conv, (28, 28, 1)) is None
    linear_head = Spec(model=ModelSpec("m", None, (_dense("out", 10, "linear"),)))
    assert build.dense_stack(linear_head, (784,)) is None


def test_input_shape_and_adapt() -> None:
    assert build.model_input_shape(SPEC, (28, 28)) == (28, 28)
    dense_first = Spec(model=ModelSpec("m", None, (_dense("out", 10, "softmax"),)))
    assert build.model_input_shape(dense_first, (28, 28)) == (784,)
    x = np.zeros((3, 28, 28), np.float32)
    assert build.adapt_inputs(x, (784,)).shape == (3, 784)
    with pytest.raises(build.BuildError, match="does not fit"):
        build.adapt_inputs(x, (100,))


@pytest.mark.runtime
def test_baseline_uses_the_spec_initializers_and_builds() -> None:
    pytest.importorskip("keras")
    model = build.build_model(SPEC, (28, 28), 10)
    shapes = build.spec_shapes(SPEC, model)
    assert shapes["out"] == {"kernel": (16, 10), "bias": (10,)}
    values = build.sample_initial(SPEC, shapes, None, seed=1)
    limit = np.sqrt(6.0 / (784 + 16))  # glorot_uniform
    assert float(np.abs(values["h"]["kernel"]).max()) <= limit
    assert float(values["h"]["kernel"].std()) == pytest.approx(limit / np.sqrt(3.0), rel=0.05)
    assert not values["h"]["bias"].any()
    again = build.sample_initial(SPEC, shapes, None, seed=1)
    np.testing.assert_array_equal(values["h"]["kernel"], again["h"]["kernel"])
    point = build.spec_point(SPEC, shapes, seed=1)
    assert set(point) == {"W0", "B0", "W1", "B1"} and point["B0"] == 0.0
    assert point["W0"] == pytest.approx(limit / np.sqrt(3.0), rel=0.05)
    build.assign_initial(SPEC, model, values)
    np.testing.assert_array_equal(model.get_layer("h").get_weights()[0], values["h"]["kernel"])
    with pytest.raises(build.BuildError, match="does not match the data's 3 classes"):
        build.build_model(SPEC, (28, 28), 3)


def test_a_family_parameter_picks_the_kernel_family() -> None:
    from dataclasses import replace

    from adnn_lint.spec.model import SearchSpec

    spec = replace(SPEC, search=SearchSpec(families=("glorot_uniform", "he_normal")))
    stack = build.dense_stack(spec, (28, 28))
    assert stack is not None
    shapes = build.dense_shapes(stack)
    point = {"W0": 0.02, "B0": 0.0, "W1": 0.02, "B1": 0.0}
    uniform = build.sample_initial(spec, shapes, {**point, "F0": 0.3}, seed=5)["h"]["kernel"]
    normal = build.sample_initial(spec, shapes, {**point, "F0": 1.2}, seed=5)["h"]["kernel"]
    for kernel in (uniform, normal):
        assert float(kernel.std()) == pytest.approx(0.02, rel=0.05)
    # A uniform draw with standard deviation s stays inside sqrt(3) s; 12,544 normal draws do not.
    edge = 3**0.5 * 0.02
    assert float(np.abs(uniform).max()) <= edge * 1.01 < float(np.abs(normal).max())


@pytest.mark.runtime
def test_relative_box_holds_a_built_cnns_own_initial_kernel() -> None:
    """Conv2D(16, 3) on one channel: Keras's default Glorot kernel (std 0.11) lies outside the
    paper's absolute box [0, 0.1]; the relative box holds it and the He scale sqrt(2/9)."""
    from adnn_lint.runtime.search.space import space_for

    pytest.importorskip("keras")
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    spec = Spec(
        model=ModelSpec(
            "cnn",
            (28, 28, 1),
            (
                LayerSpec("c1", "Conv2D", 16, "relu", initializers=inits,
                          options={"kernel_size": 3}),
                LayerSpec("p1", "MaxPooling2D"),
                LayerSpec("c2", "Conv2D", 32, "relu", initializers=inits,
                          options={"kernel_size": 3}),
                LayerSpec("p2", "MaxPooling2D"),
                LayerSpec("f", "Flatten"),
                LayerSpec("o", "Dense", 10, "softmax", initializers=inits),
            ),
        )
    )  # fmt: skip
    shapes = build.spec_shapes(spec, build.build_model(spec, (28, 28, 1), 10))
    space = space_for(spec, shapes=shapes)  # no fans in the spec: taken from the kernels
    own = build.sample_initial(spec, shapes, None, seed=3)
    for i, name in enumerate(("c1", "c2", "o")):
        w = space.param(f"W{i}")
        std = float(own[name]["kernel"].std())
        assert w.reference is not None and w.contains(np.log2(std / w.reference)), name
        assert w.contains(0.0)  # the activation-matched scale
    assert float(own["c1"]["kernel"].std()) > space_for(spec, "paper").param("W0").high
    assert space.param("W0").reference == pytest.approx(np.sqrt(2 / 9))
    assert space.param("W0").start == pytest.approx(np.log2(np.sqrt(9 / 153)))  # own Glorot
