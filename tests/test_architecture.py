"""The package's shape: layered imports, small modules, short functions.

``docs/architecture.md`` draws the layers; this test keeps the code to the drawing. It reads the
sources with ``ast`` (nothing is imported) in the installed layout: ``rules/``, ``runtime/`` and
``reports/`` are ``adnn_lint.rules``, ``adnn_lint.runtime`` and ``adnn_lint.reports``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "adnn_lint": ROOT / "adnn_lint",
    "adnn_lint.rules": ROOT / "rules",
    "adnn_lint.runtime": ROOT / "runtime",
    "adnn_lint.reports": ROOT / "reports",
}
#: Leaf modules every layer may use: the version, atomic writes, the finding types.
FOUNDATION = ("adnn_lint", "adnn_lint.atomic", "adnn_lint.findings")
#: Each layer and the layers it may import (besides itself and the foundation), bottom up.
LAYERS: dict[str, tuple[str, ...]] = {
    "adnn_lint.knowledge": (),
    "adnn_lint.scan": ("adnn_lint.knowledge",),
    "adnn_lint.spec": ("adnn_lint.knowledge", "adnn_lint.scan"),
    "adnn_lint.rules": ("adnn_lint.knowledge", "adnn_lint.scan", "adnn_lint.spec"),
    "adnn_lint.output": ("adnn_lint.scan.records", "adnn_lint.rules.base"),
    "adnn_lint.engine": (
        "adnn_lint.knowledge", "adnn_lint.scan", "adnn_lint.spec", "adnn_lint.rules",
        "adnn_lint.output",
    ),
    "adnn_lint.runtime": ("adnn_lint.knowledge", "adnn_lint.spec"),
    "adnn_lint.reports": ("adnn_lint.knowledge", "adnn_lint.spec", "adnn_lint.output"),
    "adnn_lint.commands": (
        "adnn_lint.knowledge", "adnn_lint.scan", "adnn_lint.spec", "adnn_lint.rules",
        "adnn_lint.output", "adnn_lint.engine", "adnn_lint.runtime", "adnn_lint.reports",
    ),
    "adnn_lint.cli": ("adnn_lint.commands",),
    "adnn_lint.__main__": ("adnn_lint.cli",),
}  # fmt: skip
#: Imports across layers that are allowed, each with its reason. Keep this short.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("adnn_lint.reports.fixes", "adnn_lint.engine"): "a fix preview re-lints the file (lazy)",
    ("adnn_lint.reports.render", "adnn_lint.engine"): "--source reads a file's models (lazy)",
    (
        "adnn_lint.reports.findings",
        "adnn_lint.rules",
    ): "the appendix quotes the rules (lazy)",
}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> Iterator[tuple[str, Path]]:
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if package == "adnn_lint" and parts[0] in ("rules", "runtime", "reports"):
                continue  # a checkout's symlinks into the installed layout
            name = ".".join((package, *(p for p in parts if p != "__init__")))
            yield name, path


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _layer(name: str) -> str | None:
    found = [layer for layer in LAYERS if _within(name, layer)]
    return max(found, key=len) if found else None


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _within(node.module, "adnn_lint"):
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _within(alias.name, "adnn_lint"):
                    yield node.lineno, alias.name


MODULES = dict(_modules())


def test_every_module_has_a_layer() -> None:
    orphans = [n for n in MODULES if _layer(n) is None and n not in FOUNDATION]
    assert not orphans, f"modules outside every layer: {orphans}"


def test_no_import_reaches_up_or_across() -> None:
    wrong = []
    for name, path in MODULES.items():
        layer = _layer(name)
        if layer is None:
            continue
        allowed = (layer, *LAYERS[layer])
        for line, target in _imports(path):
            # ``from adnn_lint.x import y``: y is a name or a module; the module x decides.
            owner = target if target in MODULES else target.rpartition(".")[0]
            if owner in FOUNDATION or any(_within(owner, ok) for ok in allowed):
                continue
            if any(m == name and _within(owner, p) for m, p in EXCEPTIONS):
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {layer} imports {owner}")
    assert not wrong, "\n".join(wrong)


def test_exceptions_are_still_needed() -> None:
    for module, target in EXCEPTIONS:
        used = [t for _, t in _imports(MODULES[module]) if _within(t, target)]
        assert used, f"{module} no longer imports {target}: drop the exception"


def test_knowledge_imports_nothing_of_ours() -> None:
    for name, path in MODULES.items():
        if _within(name, "adnn_lint.knowledge"):
            outside = [t for _, t in _imports(path) if not _within(t, "adnn_lint.knowledge")]
            assert not outside, f"{name} imports {outside}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"


def test_functions_are_short() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long, "\n".join(long)
