"""The TOML key locator: every key of any document tomli-w writes is found where it is written."""

from __future__ import annotations

from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from adnn_lint.spec.errors import KeyPath
from adnn_lint.spec.positions import locate

keys = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)
values = st.recursive(
    scalars | st.lists(scalars, max_size=3),
    lambda inner: (
        st.dictionaries(keys, inner, max_size=3)
        | st.lists(st.dictionaries(keys, inner, min_size=1, max_size=3), min_size=1, max_size=2)
    ),
    max_leaves=12,
)
documents = st.dictionaries(keys, values, max_size=5)


def _leaves(node: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    out: list[tuple[KeyPath, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(value, dict | list) or (
                isinstance(value, list) and not all(isinstance(v, dict) for v in value)
            ):
                out.append(((*path, key), key))
            out += _leaves(value, (*path, key))
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for i, item in enumerate(node):
            out += _leaves(item, (*path, i))
    return out


def _spelled(key: str) -> str:
    return tomli_w.dumps({key: 0}).rsplit(" = ", 1)[0]


@settings(max_examples=80, deadline=None)
@given(documents, st.booleans())
def test_every_leaf_key_is_found_where_it_is_written(doc: dict[str, Any], indent: bool) -> None:
    text = tomli_w.dumps(doc, indent=4 if indent else 0)
    lines = text.split("\n")
    positions = locate(text)
    for path, key in _leaves(doc, ()):
        assert path in positions.keys, (path, text)
        line, column = positions.keys[path]
        at = lines[line - 1][column - 1 :]
        assert at.startswith(_spelled(key)), (path, at, text)


def test_hand_written_layouts() -> None:
    text = (
        'a = 1 # note\n[ "t" . u ]\nx = [\n  1, # one\n  { k = "v]" },\n]\n'
        "[[arr]]\ny = '''multi\nline'''\n[[arr]]\ny = 2\n[arr.sub]\nz = 3\n"
    )
    p = locate(text)
    assert p.keys[("a",)] == (1, 1)
    assert p.keys[("t", "u", "x")] == (3, 1)
    assert p.values[("t", "u", "x", 1)] == (5, 3)
    assert p.keys[("t", "u", "x", 1, "k")] == (5, 5)
    assert p.keys[("arr", 0, "y")] == (8, 1)
    assert p.keys[("arr", 1, "y")] == (11, 1)
    assert p.keys[("arr", 1, "sub", "z")] == (13, 1)
    assert p.key(("arr", 1, "sub", "missing")) == (12, 1)  # falls back to the table header
