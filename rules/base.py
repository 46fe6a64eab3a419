"""The rule interface and the registry that finds rule classes.

A rule is one small class in its own module under ``rules/`` (installed as
``adnn_lint.rules.adnnNNN_name``): a stable code and name, documentation in its docstring, a
message that says why and what to do instead, VALID and INVALID examples that the test-suite turns
into tests, and a ``check`` method that reads the file's scan result (and, where it needs to, the
CST) and yields findings, each with an optional autofix.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from adnn_lint.findings import NO_CELLS, CellMap
from adnn_lint.scan.records import Finding, Fix, ScanResult, Severity, Span

if TYPE_CHECKING:
    import libcst as cst

FixKind = Literal["safe", "unsafe"]
T = TypeVar("T")
_RULE_MODULE = re.compile(r"^adnn\d{3}_\w+$")
_CODE = re.compile(r"^ADNN\d{3}$")


def example(source: str) -> str:
    """A VALID or INVALID example written as an indented triple-quoted string, as it reads in
    the rule's module: the opening newline and the common indentation are removed."""
    return textwrap.dedent(source.removeprefix("\n"))


class Analysis(Generic[T]):
    """A per-file analysis that several rules share, after LibCST's metadata providers: declared
    once, at module level, with the function that computes it from a file's context; computed the
    first time a rule asks for it on a file (``ctx.analysis(GRAPHS)``) and cached on that file's
    context, so it is never computed twice for a file and never outlives it."""

    def __init__(self, name: str, compute: Callable[[FileContext], T]) -> None:
        self.name = name
        self.compute = compute

    def __repr__(self) -> str:
        return f"Analysis({self.name!r})"


@dataclass(frozen=True)
class Invalid:
    """An INVALID example: source that must produce the rule's finding.

    ``line`` is the 1-based line the finding must be reported on (None: any line);
    ``fixed`` is the source the autofix must produce (None: the rule offers no fix here).
    """

    code: str
    line: int | None = None
    fixed: str | None = None


@dataclass(frozen=True)
class FileContext:
    """What a rule may look at for one file."""

    path: str
    source: str
    module: cst.Module = field(repr=False)
    scan: ScanResult = field(repr=False)
    cells: CellMap = field(default=NO_CELLS, repr=False)  # a notebook's cells, for messages
    # Analyses computed so far for this file (see :class:`Analysis`); rules read them through
    # :meth:`analysis`.
    _analyses: dict[Analysis[Any], Any] = field(default_factory=dict, repr=False, compare=False)

    def analysis(self, which: Analysis[T]) -> T:
        """``which`` for this file, computed on first use and cached on this context."""
        try:
            found: T = self._analyses[which]
        except KeyError:
            found = self._analyses[which] = which.compute(self)
        return found

    def finding(
        self,
        rule: type[Rule] | Rule,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=rule.code,
            name=rule.name,
            message=message,
            path=self.path,
            span=span,
            severity=severity or rule.severity,
            fix_description=fix.description if fix else None,
            fix_safe=fix.safe if fix else None,
            fix=fix,
        )


class Rule:
    """Base class of every rule. Subclasses set the class variables and implement ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, stable
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str]  # one line, for `adnn-lint rules` and the README table
    fixable: ClassVar[FixKind | None] = None
    # The fix-safety audit (docs/rules.md): what the autofix rewrites (None: no autofix), and
    # why it is safe (no intended behaviour can change), unsafe, or not offered at all.
    fix_does: ClassVar[str | None] = None
    fix_why: ClassVar[str]
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[tuple[str, Invalid], ...]] = ()

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class under ``adnn_lint.rules``, sorted by code."""
    import adnn_lint.rules as package

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not _RULE_MODULE.match(info.name):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Rule)
                and obj is not Rule
                and obj.__module__ == module.__name__
            ):
                if not _CODE.match(obj.code):
                    raise ValueError(f"{module.__name__}: bad rule code {obj.code!r}")
                found.append(obj)
    found.sort(key=lambda r: r.code)
    codes = [r.code for r in found]
    duplicated = {c for c in codes if codes.count(c) > 1}
    if duplicated:
        raise ValueError(f"duplicate rule codes: {sorted(duplicated)}")
    return tuple(found)


def rule_by_code(code: str) -> type[Rule]:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    raise KeyError(code)
