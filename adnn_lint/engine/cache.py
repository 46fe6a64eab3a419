"""Per-file result cache in ``.adnn_lint_cache/``.

An entry is keyed by the SHA-256 of the file's bytes, its path, the enabled codes and a salt made
of the tool version and a fingerprint of the installed rule/catalog files, so editing a rule (or
upgrading) invalidates everything without a version bump. Entries are written atomically
(temporary file + ``os.replace``).

An entry is trusted only when it validates: its format, the salt and the key it was written
under, and every finding's fields and types (a known, enabled code; this file's path; a span
inside the file; a known severity). Anything else (unreadable, truncated, deeply nested JSON, an
entry copied from another file, a hand-edited severity) is a miss: the file is linted again and
the entry overwritten. The checks are written out here rather than with ``jsonschema`` (a test
dependency only), and cost microseconds per entry on a warm run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from adnn_lint import __version__
from adnn_lint.atomic import write_atomic
from adnn_lint.findings import Finding, Span

CACHE_DIR_NAME = ".adnn_lint_cache"
_FORMAT = 2  # 2: entries carry their key and salt
_SEVERITIES = frozenset({"error", "warning", "info"})


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """The serializable part of a finding (its live ``fix`` object stays behind)."""
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        "span": [
            finding.span.line,
            finding.span.column,
            finding.span.end_line,
            finding.span.end_column,
        ],
        "severity": finding.severity,
        "cell": finding.cell,
        "fix_description": finding.fix_description,
        "fix_safe": finding.fix_safe,
    }


def finding_from_dict(data: dict[str, Any]) -> Finding:
    line, column, end_line, end_column = (int(v) for v in data["span"])
    return Finding(
        code=str(data["code"]),
        name=str(data["name"]),
        message=str(data["message"]),
        path=str(data["path"]),
        span=Span(line, column, end_line, end_column),
        severity=data["severity"],
        cell=data["cell"],
        fix_description=data["fix_description"],
        fix_safe=data["fix_safe"],
    )


class _Invalid(ValueError):
    """A cache entry that does not describe this file's lint result."""


def _optional(value: object, kind: type) -> bool:
    """None or a ``kind`` (True is no int here)."""
    if value is None:
        return True
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _valid_finding(item: object, path: str, codes: Collection[str], lines: int) -> Finding:
    """``item`` as a Finding if it is one this file's lint could have produced, else _Invalid."""
    if not isinstance(item, dict) or set(item) != _FIELDS:
        raise _Invalid("fields")
    span = item["span"]
    if not (
        isinstance(span, list)
        and len(span) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in span)
    ):
        raise _Invalid("span")
    # ``lines`` bounds the file's line count (see Runner): no finding points past it.
    if span[0] > lines + 1 or span[2] > lines + 1 or (span[0], span[1]) > (span[2], span[3]):
        raise _Invalid("span outside the file")
    if (
        item["code"] not in codes
        or not isinstance(item["name"], str)
        or not isinstance(item["message"], str)
        or item["path"] != path
        or item["severity"] not in _SEVERITIES
        or not _optional(item["cell"], int)
        or not _optional(item["fix_description"], str)
        or not _optional(item["fix_safe"], bool)
    ):
        raise _Invalid("values")
    return finding_from_dict(item)


_FIELDS = frozenset(
    {"code", "name", "message", "path", "span", "severity", "cell", "fix_description", "fix_safe"}
)


def _package_roots() -> list[Path]:
    import adnn_lint
    import adnn_lint.rules

    roots = [Path(p) for p in adnn_lint.__path__]
    roots += [Path(p) for p in adnn_lint.rules.__path__]
    return roots


@cache
def fingerprint() -> str:
    """Tool version plus size and mtime of every source/data file of the static side."""
    digest = hashlib.sha256(__version__.encode())
    for root in _package_roots():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".json", ".toml")):
                    stat = os.stat(os.path.join(dirpath, name))
                    entry = f"{dirpath}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n"
                    digest.update(entry.encode())
    return digest.hexdigest()


_DOCUMENT = frozenset({"format", "salt", "key", "findings"})


class Cache:
    """A directory of JSON entries, one per (file content, path, codes)."""

    def __init__(self, directory: Path, salt: str | None = None) -> None:
        self.directory = directory
        self.salt = salt if salt is not None else fingerprint()
        self._prepared = False

    def key(self, path: str, codes: Iterable[str], data: bytes) -> str:
        digest = hashlib.sha256()
        for part in (self.salt, path, ",".join(sorted(codes))):
            digest.update(part.encode("utf-8", "surrogateescape"))
            digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(
        self, key: str, *, path: str, codes: Collection[str], lines: int
    ) -> tuple[Finding, ...] | None:
        """The findings stored under ``key`` for file ``path`` (at most ``lines`` lines long,
        linted with ``codes``), or None: missing, unreadable or invalid entries are misses."""
        try:
            document = json.loads(self._entry(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None  # missing, not UTF-8, not JSON, or nested past the JSON decoder's stack
        try:
            if not isinstance(document, dict) or set(document) != _DOCUMENT:
                raise _Invalid("document")
            if (document["format"], document["salt"], document["key"]) != (
                _FORMAT,
                self.salt,
                key,
            ):
                raise _Invalid("written for another format, tool version or file")
            findings = document["findings"]
            if not isinstance(findings, list):
                raise _Invalid("findings")
            return tuple(_valid_finding(item, path, codes, lines) for item in findings)
        except _Invalid:
            return None

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        # Keep the cache out of git and backups, as ruff and pytest do.
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by adnn-lint\n*\n", encoding="utf-8")
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# adnn-lint cache\n",
                encoding="utf-8",
            )
        self._prepared = True

    def put(self, key: str, findings: Sequence[Finding]) -> None:
        """Store an entry atomically; a cache that cannot be written is silently skipped."""
        document = {
            "format": _FORMAT,
            "salt": self.salt,
            "key": key,
            "findings": [finding_to_dict(f) for f in findings],
        }
        try:
            self._prepare()
            write_atomic(self._entry(key), json.dumps(document), durable=False)
        except OSError:
            return
