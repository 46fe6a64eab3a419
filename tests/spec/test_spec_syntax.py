"""The spec's concrete syntax: dump-then-parse is the identity, and every mistake in a
hand-written spec is reported once, at its key path and position."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adnn_lint.knowledge.catalog import load_catalog
from adnn_lint.knowledge.defaults import DEFAULT_LEARNING_RATES
from adnn_lint.spec.model import (
    Contract,
    DataSpec,
    Domain,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SearchSpec,
    SourceRef,
    Spec,
    TrainSpec,
)
from adnn_lint.spec.syntax import SpecError, dumps, issues, loads

FIXTURES = Path(__file__).parents[1] / "fixtures" / "spec"
CATALOG = load_catalog()
LAYERS = sorted(n for n, info in CATALOG.layers.items() if info.legacy is None)
FAMILIES = sorted(CATALOG.initializers)
ACTIVATIONS = sorted(CATALOG.activations)

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
name = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8).filter(
    lambda s: s.strip() != ""
)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
positive = st.integers(min_value=1, max_value=2**63 - 1)
finite = st.floats(allow_nan=False, allow_infinity=False)
param_value = st.one_of(int64, finite, text, st.booleans())
unit_float = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def init_specs(draw: st.DrawFn, role: str) -> InitSpec:
    family = draw(st.sampled_from(FAMILIES))
    known = sorted(k for k in CATALOG.initializer(family).params if k != "seed")
    keys = draw(st.lists(st.sampled_from(known), unique=True)) if known else []
    return InitSpec(
        role=role,
        family=family,
        params={k: draw(param_value) for k in keys},
        origin=draw(st.sampled_from(["explicit", "implicit"])),
        seed=draw(st.none() | st.integers(min_value=0, max_value=2**63 - 1)),
    )


@st.composite
def model_specs(draw: st.DrawFn) -> ModelSpec:
    names = draw(st.lists(name, unique=True, max_size=5))
    layers = []
    for i, layer_name in enumerate(names):
        class_name = draw(st.sampled_from(LAYERS))
        info = CATALOG.layers[class_name]
        roles = [a.role for a in info.initializer_args]
        activation = st.none()
        if info.activation_arg or info.activation_layer:
            activation = st.none() | st.sampled_from(ACTIVATIONS)
        chosen = draw(st.lists(st.sampled_from(roles), unique=True)) if roles else []
        layers.append(
            LayerSpec(
                name=layer_name,
                class_name=class_name,
                units=draw(st.none() | positive) if info.width_arg else None,
                activation=draw(activation),
                inputs=tuple(draw(st.lists(st.sampled_from(names[:i]), unique=True))) if i else (),
                initializers=tuple(draw(init_specs(role)) for role in chosen),
                # a Dense layer's fans follow from the widths (checked); others' are free
                fan_in=None if class_name == "Dense" else draw(st.none() | positive),
                fan_out=None if class_name == "Dense" else draw(st.none() | positive),
                options=draw(st.dictionaries(text, param_value, max_size=3)),
                unresolved=tuple(draw(st.lists(text, max_size=2))),
            )
        )
    shape = draw(st.none() | st.lists(positive, max_size=3).map(tuple))
    return ModelSpec(
        name=draw(text),
        input_shape=shape,
        layers=tuple(layers),
        unresolved=tuple(draw(st.lists(text, max_size=2))),
    )


@st.composite
def domains(draw: st.DrawFn) -> Domain:
    low, high = sorted([draw(finite), draw(finite)])
    return Domain(low, high)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    source = st.builds(SourceRef, text, text, positive, positive)
    data = st.builds(
        DataSpec,
        st.sampled_from(["embedded", "mnist", "fashion_mnist", "npz:data/x.npz", "pkg.mod:load"]),
        st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
        st.none() | positive,
        st.sampled_from([(), ("source",)]),
    )
    train = st.builds(
        TrainSpec,
        st.sampled_from(sorted(DEFAULT_LEARNING_RATES)),
        st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
        text,
        positive,
        positive,
        st.lists(text, max_size=3).map(tuple),
        st.lists(st.sampled_from(["optimizer", "epochs", "batch_size"]), unique=True).map(tuple),
    )
    search = st.builds(
        SearchSpec,
        st.sampled_from(["asa", "paper", "random"]),
        st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
        domains(),
        domains(),
        st.lists(st.sampled_from(FAMILIES), max_size=3).map(tuple),
        positive,
        st.sampled_from([None, "relative", "absolute"]),
        st.tuples(st.floats(0.01, 1.0), st.floats(1.0, 100.0)).map(lambda b: Domain(*b)),
        st.sampled_from(["full", "halving"]),
    ).filter(  # paper mode refuses both (spec check)
        lambda s: s.method != "paper" or (s.space != "relative" and s.fidelity == "full")
    )
    contract = st.builds(
        Contract,
        st.none() | unit_float,
        st.sampled_from(["test", "validation"]),
        st.none() | st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
        st.none() | positive,
        st.none() | unit_float,
        st.none() | st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
        st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
    )
    return Spec(
        model=draw(model_specs()),
        source=draw(st.none() | source),
        data=draw(data),
        train=draw(train),
        search=draw(search),
        contract=draw(contract),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_dump_then_parse_is_the_identity(spec: Spec) -> None:
    text_form = dumps(spec)
    assert loads(text_form) == spec
    assert dumps(loads(text_form)) == text_form


def test_hand_written_fixture_parses() -> None:
    spec = loads((FIXTURES / "mlp.adnn.toml").read_text())
    assert [layer.name for layer in spec.model.layers] == ["flatten", "hidden", "dropout", "output"]
    assert spec.model.layers[1].initializers[0] == InitSpec(
        "kernel", "he_normal", {}, "explicit", 7
    )
    assert spec.model.layers[3].initializers[0].params == {"stddev": 0.01}
    assert spec.contract == Contract(accuracy=0.88, max_trial=50, max_time=600.0, max_gain=0.02)
    assert loads(dumps(spec)) == spec


def test_each_mistake_is_reported_once_at_its_place() -> None:
    _, found = issues((FIXTURES / "mistakes.adnn.toml").read_text())
    got = [(i.key, i.line, i.column) for i in found]
    assert got == [
        ("contract", 2, 25),
        ("model.colour", 7, 1),
        ("model.layers[0].units", 12, 9),
        ("model.layers[0].inputs", 14, 10),
        ("model.layers[0].initializers.kernel.family", 15, 34),
        ("model.layers[1].name", 18, 8),
        ("model.layers[1].inputs[0]", 21, 11),
        ("train.epochs", 31, 10),
        ("search.kernel_scale", 35, 16),
    ]
    messages = {i.key: i.message for i in found}
    assert "did you mean 'glorot_uniform'" in messages["model.layers[0].initializers.kernel.family"]
    assert "hidden -> output -> hidden" in messages["model.layers[0].inputs"]


def test_loads_raises_with_the_first_position() -> None:
    with pytest.raises(SpecError) as caught:
        loads((FIXTURES / "mistakes.adnn.toml").read_text(), "mistakes.adnn.toml")
    assert (caught.value.key, caught.value.line, caught.value.column) == ("contract", 2, 25)
    assert len(caught.value.issues) == 9
    assert str(caught.value).startswith("mistakes.adnn.toml:2:25: contract: accuracy 1.2")


@pytest.mark.parametrize(
    ("text", "key", "line", "column", "words"),
    [
        ('adnn = 1\n[model]\nname = "m"\nname = "n"\n', "<document>", 4, 11, "TOML syntax"),
        ('adnn = 2\n[model]\nname = "m"\n', "adnn", 1, 8, "unsupported spec version 2"),
        ("adnn = 1\n", "<document>", 1, 1, "missing required key 'model'"),
        (
            'adnn = 1\n[model]\nname = "m"\n[contract]\naccuracy = "88 %"\n',
            "contract.accuracy",
            5,
            12,
            "expected a number or a percentage",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[contract]\nmax_time = -5\n',
            "contract.max_time",
            5,
            12,
            "positive duration",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[contract]\nmax_trial = 0\n',
            "contract.max_trial",
            5,
            13,
            "positive number of trials",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[contract]\nmax_gain = "150%"\n',
            "contract.max_gain",
            5,
            12,
            "outside [0, 1]",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dense"\n'
            'initializers.depthwise = { family = "zeros" }\n',
            "model.layers[0].initializers.depthwise",
            7,
            1,
            "Dense has no 'depthwise'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dense"\n'
            'initializers.kernel = { family = "random_normal", params = { sigma = 1.0 } }\n',
            "model.layers[0].initializers.kernel.params.sigma",
            7,
            62,
            "no parameter 'sigma'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dense"\n'
            'activation = "rleu"\n',
            "model.layers[0].activation",
            7,
            14,
            "did you mean 'relu'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dens"\n',
            "model.layers[0].class",
            6,
            9,
            "not a Keras layer class",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dense"\n'
            'inputs = ["a"]\n',
            "model.layers[0].inputs",
            7,
            10,
            "cycle: a -> a",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nfamilies = ["he_normal", "GlorotUniform"]\n',
            "search.families[1]",
            5,
            26,
            "canonical name 'glorot_uniform'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[data]\nvalidation_split = 1.5\n',
            "data.validation_split",
            5,
            20,
            "outside [0, 1)",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[train]\nlearning_rate = true\n',
            "train.learning_rate",
            5,
            17,
            "must be a number, got a boolean",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "f"\nclass = "Flatten"\n'
            "units = 3\n",
            "model.layers[0].units",
            7,
            9,
            "Flatten takes no units",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "d"\nclass = "Dropout"\n'
            'activation = "relu"\n',
            "model.layers[0].activation",
            7,
            14,
            "Dropout takes no activation",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nname = "a"\nclass = "Dense"\n'
            'units = 64\n[[model.layers]]\nname = "b"\nclass = "Dense"\nunits = 10\n'
            'inputs = ["a"]\nfan_in = 128\n',
            "model.layers[1].fan_in",
            13,
            10,
            "differs from the units 64 of its input 'a'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[train]\noptimizer = "adamm"\n',
            "train.optimizer",
            5,
            13,
            "is not a Keras optimizer",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[contract]\nmax_time = "10 parsecs"\n',
            "contract.max_time",
            5,
            12,
            "unknown time unit 'parsecs'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[[model.layers]]\nclass = "Dense"\n',
            "model.layers[0]",
            4,
            1,
            "missing required key 'name'",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nmethod = "paper"\nspace = "relative"\n',
            "search.space",
            6,
            9,
            "paper mode walks the absolute box",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nmethod = "paper"\nfidelity = "halving"\n',
            "search.fidelity",
            6,
            12,
            "paper mode is Algorithm 1",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nspace = "logarithmic"\n',
            "search.space",
            5,
            9,
            "is not one of relative, absolute",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nkernel_multiplier = [0.0, 4.0]\n',
            "search.kernel_multiplier",
            5,
            21,
            "a multiplier must be > 0",
        ),
        (
            'adnn = 1\n[model]\nname = "m"\n[search]\nkernel_multiplier = [2.0, 4.0]\n',
            "search.kernel_multiplier",
            5,
            21,
            "must contain 1, the activation-matched",
        ),
    ],
)
def test_error_positions(text: str, key: str, line: int, column: int, words: str) -> None:
    _, found = issues(text, "x.toml")
    assert len(found) == 1, found
    assert (found[0].key, found[0].line, found[0].column) == (key, line, column)
    assert words in found[0].message


def test_contract_as_a_clause_string_points_inside_the_string() -> None:
    text = 'adnn = 1\ncontract = "accuracy >= 0.9, max_time = 10 parsecs"\n[model]\nname = "m"\n'
    _, found = issues(text)
    assert [(i.key, i.line, i.column) for i in found] == [("contract", 2, 44)]
    assert "unknown time unit 'parsecs'" in found[0].message


def test_the_documented_example_parses() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "spec.md").read_text()
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = loads(example, "docs/spec.md")
    assert spec.contract.accuracy == 0.88 and spec.search.method == "paper"
    assert loads(dumps(spec)) == spec


@pytest.mark.parametrize("fixture", ["mlp.adnn.toml", "mistakes.adnn.toml"])
def test_mutated_specs_never_crash_and_always_have_a_place(fixture: str) -> None:
    base = (FIXTURES / fixture).read_text()
    rnd = random.Random(fixture)
    alphabet = "ab\"'[]{}=,.#\n 0123456789-_%xyz"
    for _ in range(300):
        chars = list(base)
        for _ in range(rnd.randint(1, 6)):
            at = rnd.randrange(len(chars))
            roll = rnd.random()
            if roll < 0.4:
                chars[at] = rnd.choice(alphabet)
            elif roll < 0.7:
                del chars[at]
            else:
                chars.insert(at, rnd.choice(alphabet))
        text = "".join(chars)
        _, found = issues(text)
        assert all(i.line >= 1 and i.column >= 1 for i in found), text
        assert len({(i.key, i.message, i.line) for i in found}) == len(found), text


def test_durations_in_words() -> None:
    text = 'adnn = 1\n[model]\nname = "m"\n[contract]\nmax_time = "1 hour 30 minutes"\n'
    assert loads(text).contract.max_time == 5400.0


def test_a_toml_syntax_error_does_not_hide_the_other_mistakes() -> None:
    text = (
        'adnn = 1\n[model]\nname = "m"\nname = "again"\n[[model.layers]]\nname = "a\n'
        'class = "Dense"\nunits = 0\n[train]\nepochs = 3 4\noptimizer = "adamm"\n'
    )
    spec, found = issues(text)
    assert spec is None
    assert [(i.key, i.line) for i in found] == [
        ("<document>", 4),  # the duplicate key
        ("<document>", 6),  # the unterminated string; its key is not then "missing"
        ("model.layers[0].units", 8),
        ("<document>", 10),
        ("train.optimizer", 11),
    ]


def test_recovery_stops_where_the_cause_may_be_elsewhere() -> None:
    text = 'adnn = 1\n[model]\nname = "m"\ninput_shape = [28, 28\nunits = 3\n'
    spec, found = issues(text)
    assert spec is None and len(found) == 1 and found[0].message.startswith("TOML syntax")
