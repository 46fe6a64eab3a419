"""What each autofix would change, as a small diff under its finding in the report.

The findings JSON carries a fix's description, not its edit (fixes are CST edits that live only in
the process that found them). So the report re-lints the file it is already reading for the code
frame, finds the same finding (code, line, column), applies that one fix to the parsed module and
diffs the result. Static only: LibCST parses the file; nothing is imported or executed. When the
file changed since the lint run the finding is not found again and no diff is shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from adnn_lint.reports.view import DiffLine

FindingKey = tuple[str, int, int]  # (code, line, column)
#: Unchanged lines shown around each change.
DIFF_CONTEXT = 1


def _diff(before: str, after: str) -> tuple[DiffLine, ...]:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), n=DIFF_CONTEXT, lineterm=""
    )
    out = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue  # file headers: the finding above already names the file
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line))
        elif line.startswith("-"):
            out.append(DiffLine("del", line))
        else:
            out.append(DiffLine("ctx", line))
    return tuple(out)


def fix_previews(
    path: str, source: str, wanted: Iterable[FindingKey]
) -> Mapping[FindingKey, tuple[DiffLine, ...]]:
    """The diff of each wanted finding's own fix, keyed like ``wanted``."""
    from adnn_lint.engine.fixes import apply_fixes
    from adnn_lint.engine.lint import lint_codes

    keys = set(wanted)
    if not keys:
        return {}
    outcome = lint_codes(source, path, frozenset(code for code, _, _ in keys))
    if outcome.module is None:
        return {}
    previews: dict[FindingKey, tuple[DiffLine, ...]] = {}
    for finding in outcome.findings:
        key = (finding.code, finding.span.line, finding.span.column)
        if key not in keys or finding.fix is None:
            continue
        fixed = apply_fixes(outcome.module, [finding.fix]).code
        if fixed != source:
            previews[key] = _diff(source, fixed)
    return previews
