"""The corpus: realistic Keras programs whose reportable lines carry ``# expect: CODE`` marks.

Every finding must be marked and every mark must be found: the findings equal the marks exactly.
Notebooks are linted as the CLI lints them (code cells joined); marks are read from the same
joined source, so their line numbers agree.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from adnn_lint.engine.lint import lint_source
from adnn_lint.engine.notebook import load_notebook

CORPUS = Path(__file__).parents[1] / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb"))
_MARK = re.compile(r"#\s*expect:\s*(?P<codes>ADNN\d{3}(?:\s*,\s*ADNN\d{3})*)")


def source_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return load_notebook(text).source if path.suffix == ".ipynb" else text


def marks(source: str) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            for code in match.group("codes").split(","):
                found[(number, code.strip())] += 1
    return found


def test_corpus_is_varied() -> None:
    assert any(p.suffix == ".ipynb" for p in FILES)
    codes = {code for p in FILES for _, code in marks(source_of(p))}
    assert {"ADNN101", "ADNN102", "ADNN108", "ADNN201"} <= codes
    assert any(not marks(source_of(p)) for p in FILES), "no clean program in the corpus"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_findings_equal_marks(path: Path) -> None:
    source = source_of(path)
    findings = lint_source(source, str(path))
    got: Counter[tuple[int, str]] = Counter((f.span.line, f.code) for f in findings)
    expected = marks(source)
    unexpected = got - expected
    missed = expected - got
    details = {f"{f.span.line}:{f.code}": f.message for f in findings}
    assert not unexpected and not missed, (
        f"unexpected {sorted(unexpected)}; missed {sorted(missed)}; findings {details}"
    )
