"""``# noqa`` suppression, with the flake8/ruff conventions.

- ``# noqa`` on the line a finding is reported on suppresses every finding on that line;
- ``# noqa: ADNN101`` (or ``# noqa: ADNN101, ADNN102``) suppresses only those codes;
- ``# adnn-lint: noqa`` on a line of its own suppresses every finding in the file.

Only real comments count: the source is tokenized, so ``"# noqa"`` inside a string does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from adnn_lint.findings import Finding

_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_FILE_NOQA = re.compile(r"^#\s*adnn-lint\s*:\s*noqa\s*$", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """A ``# noqa`` on one line; ``codes`` is None for a bare ``# noqa`` (every code)."""

    line: int
    codes: frozenset[str] | None


def parse_comment(comment: str, line: int) -> Directive | None:
    """The directive a comment carries, if any."""
    match = _NOQA.search(comment)
    if match is None:
        return None
    codes = match.group("codes")
    if codes is None:
        return Directive(line, None)
    return Directive(line, frozenset(code.upper() for code in _CODE.findall(codes)))


def _comments(source: str) -> list[tuple[int, str]]:
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        # A file the parser accepted but the tokenizer does not (rare grammar differences):
        # fall back to the physical-line scan flake8 uses.
        return [
            (number, text[text.index("#") :])
            for number, text in enumerate(source.splitlines(), start=1)
            if "#" in text
        ]
    return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]


def apply_noqa(source: str, findings: Sequence[Finding]) -> list[Finding]:
    """The findings that no ``# noqa`` comment of ``source`` suppresses."""
    if not findings or "noqa" not in source.lower():
        return list(findings)
    directives: dict[int, Directive] = {}
    for line, comment in _comments(source):
        if _FILE_NOQA.match(comment.strip()):
            return []
        directive = parse_comment(comment, line)
        if directive is not None:
            directives[line] = directive
    kept: list[Finding] = []
    for finding in findings:
        directive = directives.get(finding.span.line)
        if directive is not None and (directive.codes is None or finding.code in directive.codes):
            continue
        kept.append(finding)
    return kept
