"""The search space, the ask/tell protocol and the three methods (pure NumPy, fast)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from adnn_lint.runtime.search.asa import (
    AsaOptions,
    AsaSearcher,
    generate_steps,
    schedule_constant,
    step_cdf,
)
from adnn_lint.runtime.search.base import (
    Decision,
    ReplayMismatch,
    Searcher,
    make_searcher,
    replay,
)
from adnn_lint.runtime.search.paper import PaperSearcher
from adnn_lint.runtime.search.space import Point, Space, space_for
from adnn_lint.spec.model import (
    Domain,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SearchSpec,
    Spec,
    family_index,
)

_ABSOLUTE = SearchSpec(space="absolute")  # the paper's box: W{i} is the standard deviation


def _mlp_spec(hidden: int = 2, search: SearchSpec | None = None) -> Spec:
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    layers = [LayerSpec("flatten", "Flatten")]
    layers += [
        LayerSpec(f"dense_{i}", "Dense", 256, "relu", initializers=inits) for i in range(hidden)
    ]
    layers += [LayerSpec("out", "Dense", 10, "softmax", initializers=inits)]
    return Spec(model=ModelSpec("mlp", (28, 28), tuple(layers)), search=search or _ABSOLUTE)


def _space() -> Space:
    return space_for(_mlp_spec(1))


def _bowl(point: Point) -> float:
    """A smooth cost with its minimum inside the box: -accuracy-like values in (-1, 0)."""
    target = {"W0": 0.07, "B0": 0.01, "W1": 0.03, "B1": 0.02}
    # a layer a paper-mode point leaves out keeps its own initializer: cost as if at 0.05
    return -0.9 + float(sum(30.0 * (point.get(k, 0.05) - v) ** 2 for k, v in target.items()))


Log = list[tuple[Point, float, Decision]]


def _run(searcher: Searcher, cost: Callable[[Point], float], batch: int, budget: int) -> Log:
    log: Log = []
    while len(log) < budget and not searcher.finished:
        points = searcher.ask(min(batch, budget - len(log)))
        if not points:
            break
        costs = [cost(p) for p in points]
        decisions = searcher.tell(points, costs)
        log += list(zip(points, costs, decisions, strict=True))
    return log


# -- space ------------------------------------------------------------------------------------


def test_space_for_names_each_kernel_layer_in_graph_order() -> None:
    space = space_for(_mlp_spec(2, SearchSpec(space="absolute", kernel_scale=Domain(0.0, 0.2))))
    assert space.names == ("W0", "B0", "W1", "B1", "W2", "B2")
    assert [p.layer for p in space.params[::2]] == ["dense_0", "dense_1", "out"]
    assert space.param("W2").high == 0.2 and space.param("B2").role == "bias_value"


def test_search_families_add_a_family_parameter_per_kernel_layer() -> None:
    families = ("he_normal", "glorot_uniform", "lecun_normal")
    space = space_for(_mlp_spec(1, SearchSpec(space="absolute", families=families)))
    assert space.names == ("W0", "B0", "F0", "W1", "B1", "F1")
    f0 = space.param("F0")
    assert (f0.low, f0.high, f0.role, f0.layer) == (-0.5, 2.5, "family", "dense_0")
    assert f0.start == 1.0  # the layer's own glorot_uniform
    one = SearchSpec(space="absolute", families=("he_normal",))
    assert space_for(_mlp_spec(1, one)).param("F0").start is None
    # each family gets an equal share of [-0.5, n - 0.5]
    shares = [family_index(v, families) for v in np.linspace(-0.5, 2.5, 3001)]
    assert [shares.count(i) for i in range(3)] == pytest.approx([1000, 1000, 1000], abs=2)
    # random search covers every family; paper mode walks W and B only
    points = [p for p, _c, _d in _run(make_searcher("random", space, seed=0), _bowl, 4, 60)]
    assert {family_index(p["F1"], families) for p in points} == {0, 1, 2}
    paper = [p for p, _c, _d in _run(make_searcher("paper", space, seed=0), _bowl, 4, 12)]
    assert all(not any(k.startswith("F") for k in p) for p in paper)


def test_space_starts_at_the_models_own_initial_values() -> None:
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    he = (InitSpec("kernel", "he_normal"), InitSpec("bias", "constant", {"value": 0.5}))
    spec = Spec(
        model=ModelSpec(
            "m",
            (28, 28),
            (
                LayerSpec("d", "Dense", 256, "relu", initializers=inits, fan_in=784, fan_out=256),
                LayerSpec("e", "Dense", 64, "relu", initializers=he, fan_in=256, fan_out=64),
                LayerSpec("o", "Dense", 10, "softmax", initializers=inits),  # fans unknown
            ),
        ),
        search=_ABSOLUTE,
    )
    space = space_for(spec)
    assert space.param("W0").start == pytest.approx(math.sqrt(2 / (784 + 256)))
    assert space.param("B0").start == 0.0
    assert space.param("W1").start == pytest.approx(math.sqrt(2 / 256))
    assert space.param("B1").start == 0.1  # constant 0.5 clamped into the default [0, 0.1]
    assert space.param("W2").start is None
    known = AsaOptions(known_points=True)
    first = AsaSearcher(space, seed=0, max_trial=5, options=known).ask(1)[0]
    assert first["W0"] == pytest.approx(math.sqrt(2 / 1040)) and first["B0"] == 0.0
    assert first["W2"] == pytest.approx(0.05)  # unknown: the centre of the range


def test_space_for_rejects_bad_domain_and_models_without_kernels() -> None:
    with pytest.raises(ValueError, match=r"search\.bias_value"):
        space_for(_mlp_spec(1, SearchSpec(space="absolute", bias_value=Domain(0.5, 0.1))))
    empty = Spec(model=ModelSpec("m", None, (LayerSpec("f", "Flatten"),)))
    with pytest.raises(ValueError, match="no layer has a kernel"):
        space_for(empty)


def test_space_check_names_the_offending_key() -> None:
    space = _space()
    with pytest.raises(ValueError, match="'W1'"):
        space.check({"W0": 0.0, "B0": 0.0, "W1": 0.5, "B1": 0.0})
    with pytest.raises(ValueError, match="missing keys"):
        space.check({"W0": 0.0})


# -- the ASA generating distribution ----------------------------------------------------------


def _ks_statistic(samples: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    xs = np.sort(samples)
    n = len(xs)
    g = cdf(xs)
    return float(max(np.max(np.arange(1, n + 1) / n - g), np.max(g - np.arange(n) / n)))


@pytest.mark.parametrize("temperature", [1.0, 0.1, 1e-3, 1e-6])
def test_generating_distribution_matches_its_cdf(temperature: float) -> None:
    rng = np.random.default_rng(7)
    ys = generate_steps(rng.random(20_000), temperature)
    assert np.all(np.abs(ys) <= 1.0)
    d = _ks_statistic(ys, lambda y: step_cdf(y, temperature))
    assert d < 1.63 / math.sqrt(len(ys))  # the 1% critical value


def test_ks_check_can_fail_on_the_wrong_temperature() -> None:
    rng = np.random.default_rng(7)
    ys = generate_steps(rng.random(20_000), 1e-3)
    d = _ks_statistic(ys, lambda y: step_cdf(y, 1e-2))
    assert d > 1.63 / math.sqrt(len(ys))


def test_schedule_reaches_ratio_scale_at_anneal_scale() -> None:
    for dim in (1, 4, 10):
        c = schedule_constant(1e-5, 50.0, dim)
        assert math.exp(-c * 50.0 ** (1.0 / dim)) == pytest.approx(1e-5)


# -- asa --------------------------------------------------------------------------------------


def test_asa_is_deterministic_stays_inside_and_ends_at_max_trial() -> None:
    runs = [_run(make_searcher("asa", _space(), seed=3, max_trial=40), _bowl, 5, 100) for _ in "ab"]
    assert [p for p, _c, _d in runs[0]] == [p for p, _c, _d in runs[1]]
    assert len(runs[0]) == 40
    other = _run(make_searcher("asa", _space(), seed=4, max_trial=40), _bowl, 5, 100)
    assert [p for p, _c, _d in other] != [p for p, _c, _d in runs[0]]
    space = _space()
    for point, _c, _d in runs[0]:
        space.check(point)


def test_asa_improves_on_its_start_and_beats_nothing_worse() -> None:
    searcher = make_searcher("asa", _space(), seed=0, max_trial=60)
    log = _run(searcher, _bowl, 4, 60)
    start_cost = log[0][1]
    best = searcher.best
    assert best is not None and best[1] < start_cost - 0.01
    assert best[1] == min(c for _p, c, _d in log)
    assert searcher.finished and searcher.ask(3) == []


def test_asa_temperatures_fall_and_reannealing_uses_sensitivities() -> None:
    searcher = AsaSearcher(_space(), seed=1, max_trial=80)
    before = searcher.temperatures().copy()
    _run(searcher, _bowl, 1, 80)
    assert np.all(searcher.temperatures() < before)
    assert searcher.reanneals >= 1
    s = searcher.sensitivities()
    assert s is not None and s.shape == (4,) and np.all(s >= 0)


def test_asa_accepts_better_and_tests_worse_with_the_cost_temperature() -> None:
    searcher = AsaSearcher(_space(), seed=2, max_trial=8)  # a first batch of 4
    first = searcher.ask(10)
    assert len(first) == 4  # the first batch is asked on its own
    decisions = searcher.tell(first, [-0.5, -0.6, -0.4, -0.55])
    assert decisions[0].note == "start point" and decisions[0].accepted
    assert [d.accepted for d in decisions[1:]] == [True, False, False]  # best so far
    assert searcher.annealing
    assert searcher.t0_cost == pytest.approx(float(np.std([-0.5, -0.6, -0.4, -0.55])))
    block = searcher.ask(3)
    decisions = searcher.tell(block, [-0.62, -0.7, -0.65])
    assert decisions[1].accepted  # better than the current state: always taken
    assert not decisions[0].accepted and not decisions[2].accepted  # the block already moved
    worse = searcher.ask(1)
    (d,) = searcher.tell(worse, [-0.1])
    assert d.temperature is not None and d.probability is not None
    assert d.probability == pytest.approx(math.exp(-0.6 / d.temperature))


def test_asa_first_batch_holds_the_own_and_matched_points_and_fills_the_box() -> None:
    spec = _mlp_spec(1, SearchSpec())  # relative space
    spec = replace(
        spec,
        model=replace(
            spec.model,
            layers=tuple(replace(layer, fan_in=784, fan_out=256) for layer in spec.model.layers),
        ),
    )
    space = space_for(spec)
    searcher = AsaSearcher(space, seed=0, max_trial=20, options=AsaOptions(known_points=True))
    first = searcher.ask(20)
    assert len(first) == 10
    own = {p.name: p.start for p in space.params}
    assert space.same_point(first[0], own)
    assert first[1]["W0"] == 0.0 and first[1]["W1"] == 0.0  # He / LeCun scale
    assert first[1]["B0"] == own["B0"]
    cube = np.array([space.to_unit(p) for p in first[2:]])
    for column in cube.T:  # Latin hypercube: one point in each eighth of every range
        assert sorted(np.floor(column * 8).astype(int)) == list(range(8))
    given = space.from_unit(np.full(space.dim, 0.25))  # an explicit start comes first
    assert space.same_point(AsaSearcher(space, seed=0, max_trial=20, start=given).ask(1)[0], given)
    # by default the first batch is the Latin hypercube alone, annealing from its best point
    plain = AsaSearcher(space, seed=0, max_trial=20).ask(20)
    cube = np.array([space.to_unit(p) for p in plain])
    assert len(plain) == 10 and not any(space.same_point(p, own) for p in plain)
    for column in cube.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))


def test_asa_schedule_is_calibrated_to_the_budget_left() -> None:
    searcher = AsaSearcher(_space(), seed=0, max_trial=10)
    assert searcher.anneal_scale == 5  # 10 - the first batch of 5
    final = math.exp(-searcher.c * searcher.anneal_scale ** (1 / searcher.dim))
    median = final * (math.sqrt(1 + 1 / final) - 1)
    assert median == pytest.approx(0.05)  # AsaOptions.final_step
    steps = generate_steps(np.random.default_rng(0).random(20_000), final)
    assert float(np.median(np.abs(steps))) == pytest.approx(0.05, rel=0.05)
    no_budget = AsaSearcher(_space(), seed=0)
    assert no_budget.ratio_scale == 1e-5 and no_budget.anneal_scale == 100  # Ingber's


def test_nan_cost_is_worst_and_never_accepted() -> None:
    searcher = make_searcher("asa", _space(), seed=5, max_trial=10)
    points = searcher.ask(2)
    decisions = searcher.tell(points, [-0.5, float("nan")])
    assert not decisions[1].accepted
    best = searcher.best
    assert best is not None and best[1] == -0.5


# -- paper ------------------------------------------------------------------------------------


def test_paper_walks_each_layer_from_zero_by_delta() -> None:
    space = _space()
    searcher = make_searcher("paper", space, seed=0, delta=0.025)
    # always better: every step is taken, each layer walks to the edge of its domain
    counter = iter(range(10_000))
    log = _run(searcher, lambda _p: -0.1 - 1e-4 * next(counter), 3, 1000)
    points = [p for p, _c, _d in log]
    # layer 1 is not walked yet: the point leaves it to the model's own initializers
    assert points[0] == {"W0": 0.0, "B0": 0.0}
    assert [round(p["W0"], 6) for p in points[1:5]] == [0.025, 0.05, 0.075, 0.1]
    assert all(set(p) == {"W0", "B0"} for p in points[1:5])
    # layer 1's walk starts by evaluating its (0, 0) point, layer 0 at the best of its walk
    assert points[5] == {"W0": pytest.approx(0.1), "B0": pytest.approx(0.1), "W1": 0.0, "B1": 0.0}
    assert [round(p["W1"], 6) for p in points[6:]] == [0.025, 0.05, 0.075, 0.1]
    assert all(p["W0"] == pytest.approx(0.1) for p in points[5:])
    assert len(log) == 10 and searcher.finished and searcher.ask(2) == []


def test_paper_rejection_ends_the_walk_and_keeps_the_best_of_it() -> None:
    space = _space()
    searcher = PaperSearcher(space, seed=0, delta=0.025)
    start = searcher.ask(4)
    assert len(start) == 1
    searcher.tell(start, [-0.5])
    steps = searcher.ask(4)
    assert len(steps) == 4
    # much worse at step 2: P = exp(-(1.0 - 0.4) / 1.0) = 0.55; seed 0 draws 0.637 > P
    decisions = searcher.tell(steps, [-0.6, -0.0, -0.7, -0.7])
    assert decisions[0].accepted
    assert not decisions[1].accepted and decisions[1].probability == pytest.approx(math.exp(-0.6))
    assert not decisions[2].counted and not decisions[3].counted
    assert searcher.current["W0"] == pytest.approx(0.025)  # the best of layer 0's walk
    assert searcher.layer == 1
    (layer_start,) = searcher.ask(3)
    assert layer_start == {"W0": pytest.approx(0.025), "B0": pytest.approx(0.025), "W1": 0, "B1": 0}
    searcher.tell([layer_start], [-0.55])
    nxt = searcher.ask(1)
    assert nxt[0]["W1"] == pytest.approx(0.025) and nxt[0]["W0"] == pytest.approx(0.025)
    best = searcher.best
    assert best is not None and best[1] == -0.6  # uncounted -0.7s are not the method's best


def test_paper_worse_step_probability_uses_the_new_loss() -> None:
    searcher = PaperSearcher(_space(), seed=11, delta=0.05)
    searcher.tell(searcher.ask(1), [-0.9])  # L = 0.1
    (d,) = searcher.tell(searcher.ask(1), [-0.85])  # L' = 0.15
    assert d.temperature == pytest.approx(0.15)
    assert d.probability == pytest.approx(math.exp(-0.05 / 0.15))


# -- random -----------------------------------------------------------------------------------


def test_random_is_uniform_and_independent_of_batching() -> None:
    a = _run(make_searcher("random", _space(), seed=9, max_trial=400), _bowl, 7, 1000)
    b = _run(make_searcher("random", _space(), seed=9, max_trial=400), _bowl, 1, 1000)
    assert [p for p, _c, _d in a] == [p for p, _c, _d in b]
    assert len(a) == 400
    w0 = np.array([p["W0"] for p, _c, _d in a]) / 0.1
    assert _ks_statistic(w0, lambda x: x) < 1.63 / math.sqrt(len(w0))


# -- protocol ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["asa", "paper", "random"])
def test_protocol_guards(method: str) -> None:
    searcher = make_searcher(method, _space(), seed=0, max_trial=10)
    assert isinstance(searcher, Searcher)
    points = searcher.ask(2)
    with pytest.raises(RuntimeError, match="before tell"):
        searcher.ask(1)
    bogus = [dict(points[0], W0=0.0999)]
    with pytest.raises(ValueError, match="not the asked"):
        searcher.tell(bogus, [-0.5])
    with pytest.raises(ValueError, match="costs"):
        searcher.tell(points, [])


@pytest.mark.parametrize("method", ["asa", "paper", "random"])
def test_replay_reproduces_the_future_asks(method: str) -> None:
    live = make_searcher(method, _space(), seed=21, max_trial=30, delta=0.01)
    log = [(p, c) for p, c, _d in _run(live, _bowl, 4, 30)]
    for cut in (12, 13):  # on a batch boundary, and inside a batch
        resumed = make_searcher(method, _space(), seed=21, max_trial=30, delta=0.01)
        state = replay(resumed, log[:cut], 4)
        assert state.consumed == cut
        rest: list[tuple[Point, float]] = []
        if state.pending:
            pending = list(state.pending)
            costs = list(state.known_costs) + [_bowl(p) for p in pending[len(state.known_costs) :]]
            resumed.tell(pending, costs)
            known = len(state.known_costs)
            rest = list(zip(pending[known:], costs[known:], strict=True))
        rest += [(p, c) for p, c, _d in _run(resumed, _bowl, 4, 30 - cut - len(rest))]
        assert [p for p, _c in log[cut:]] == [p for p, _c in rest]


def test_replay_detects_a_different_seed() -> None:
    log = [(p, c) for p, c, _d in _run(make_searcher("asa", _space(), seed=1), _bowl, 4, 8)]
    with pytest.raises(ReplayMismatch, match="trial"):
        replay(make_searcher("asa", _space(), seed=2), log, 4)


def test_unknown_method_is_named() -> None:
    with pytest.raises(ValueError, match="'annealing'"):
        make_searcher("annealing", _space(), seed=0)


# -- relative space ---------------------------------------------------------------------------


def _cnn_spec(search: SearchSpec | None = None) -> Spec:
    """LeNet-style: Conv2D(16, 3) on one channel (fan-in 9) with Keras's default Glorot kernel."""
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    layers = (
        LayerSpec("c1", "Conv2D", 16, "relu", initializers=inits, fan_in=9, fan_out=144),
        LayerSpec("p1", "MaxPooling2D"),
        LayerSpec("c2", "Conv2D", 32, "relu", initializers=inits, fan_in=144, fan_out=288),
        LayerSpec("p2", "MaxPooling2D"),
        LayerSpec("f", "Flatten"),
        LayerSpec("o", "Dense", 10, "softmax", initializers=inits, fan_in=800, fan_out=10),
    )
    return Spec(model=ModelSpec("cnn", (28, 28, 1), layers), search=search or SearchSpec())


def test_relative_space_is_the_default_of_asa_and_random_and_paper_keeps_the_box() -> None:
    spec = _cnn_spec()
    assert space_for(spec).kind == "relative"
    assert space_for(spec, "random").kind == "relative"
    paper = space_for(spec, "paper")
    assert paper.kind == "absolute" and paper.param("W0").high == 0.1
    with pytest.raises(ValueError, match=r"search\.space"):
        space_for(_cnn_spec(SearchSpec(space="relative")), "paper")


def test_relative_box_holds_the_cnns_own_scale_and_the_he_scale() -> None:
    space = space_for(_cnn_spec())
    w0 = space.param("W0")
    he = math.sqrt(2 / 9)  # He-normal on fan-in 9: 0.47
    glorot = math.sqrt(2 / (9 + 144))  # Keras's default kernel there: 0.11, outside [0, 0.1]
    assert w0.reference == pytest.approx(he)
    assert space.scales({"W0": 0.0})["W0"] == pytest.approx(he)
    assert w0.start is not None and space.scales({"W0": w0.start})["W0"] == pytest.approx(glorot)
    for p in (q for q in space.params if q.role == "kernel_scale"):
        assert p.contains(0.0) and p.start is not None and p.contains(p.start)
    # the softmax head is matched LeCun-style (gain 1), the ReLU layers He-style (gain 2)
    assert space.param("W2").reference == pytest.approx(math.sqrt(1 / 800))
    assert space.param("W1").reference == pytest.approx(math.sqrt(2 / 144))
    # one unit is a factor of 2 in every layer
    for name in ("W0", "W1", "W2"):
        ratio = space.scales({name: 1.0})[name] / space.scales({name: 0.0})[name]
        assert ratio == pytest.approx(2.0)


def test_relative_box_widens_to_hold_an_own_scale_outside_the_multipliers() -> None:
    spec = _cnn_spec(SearchSpec(kernel_multiplier=Domain(0.5, 2.0)))
    w0 = space_for(spec).param("W0")
    assert w0.low == pytest.approx(math.log2(math.sqrt(9 / 153)))  # Glorot / He on fan-in 9
    assert w0.high == 1.0
    assert space_for(spec).param("W1").low == -1.0  # 784-style layers stay in [1/2, 2]


def test_relative_space_needs_a_fan_in_and_takes_it_from_the_shapes() -> None:
    inits = (InitSpec("kernel", "glorot_uniform"),)
    layer = LayerSpec("d", "Dense", 10, "softmax", initializers=inits)
    spec = Spec(model=ModelSpec("m", (4,), (layer,)))
    with pytest.raises(ValueError, match=r"search\.space.*fan-in of layer 'd'"):
        space_for(spec)
    assert space_for(spec, shapes={"d": {"kernel": (4, 10)}}).param("W0").reference == 0.5
