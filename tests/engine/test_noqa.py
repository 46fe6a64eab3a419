from __future__ import annotations

from adnn_lint.engine.noqa import apply_noqa, parse_comment
from adnn_lint.scan.records import Finding, Span


def _finding(code: str, line: int) -> Finding:
    return Finding(code=code, name="x", message="m", path="p.py", span=Span(line, 1, line, 2))


def test_bare_noqa_suppresses_every_code_on_its_line() -> None:
    source = "a = 1  # noqa\nb = 2\n"
    kept = apply_noqa(
        source, [_finding("ADNN101", 1), _finding("ADNN102", 1), _finding("ADNN101", 2)]
    )
    assert [(f.code, f.span.line) for f in kept] == [("ADNN101", 2)]


def test_noqa_with_codes_suppresses_only_those_codes() -> None:
    source = "a = 1  # noqa: ADNN101, adnn103\n"
    kept = apply_noqa(
        source, [_finding("ADNN101", 1), _finding("ADNN102", 1), _finding("ADNN103", 1)]
    )
    assert [f.code for f in kept] == ["ADNN102"]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    source = 'a = "# noqa"\n'
    assert len(apply_noqa(source, [_finding("ADNN101", 1)])) == 1


def test_file_level_directive_suppresses_everything() -> None:
    source = "# adnn-lint: noqa\na = 1\nb = 2\n"
    assert apply_noqa(source, [_finding("ADNN101", 2), _finding("ADNN108", 3)]) == []


def test_parse_comment_variants() -> None:
    bare = parse_comment("# noqa", 3)
    assert bare is not None and bare.codes is None
    coded = parse_comment("#noqa:ADNN101 ADNN102", 4)
    assert coded is not None and coded.codes == frozenset({"ADNN101", "ADNN102"})
    assert parse_comment("# a normal comment", 5) is None
