"""One benchmark's section of ``benchmarks/RESULTS.md``, between that benchmark's own markers."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, body: str, *, begin: str, end: str) -> None:
    """Put ``body`` between ``begin`` and ``end`` in ``path`` and leave the rest as it is (the
    marked block is appended when the markers are absent). Written through a temporary file, so
    an interrupted write leaves the old file whole."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.strip(chr(10))}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
