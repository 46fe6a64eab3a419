"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

#: Permission bits asked of a new file; the kernel removes the umask's bits, as for ``open()``.
_NEW_FILE_MODE = 0o666


def write_atomic(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then ``os.replace`` it into place.

    A new file gets the permissions any other tool's would (0o666 less the umask: a report or
    results file is for reviewers, CI artifact servers and teammates); an existing file keeps its
    mode, so a file someone made private stays private. ``tempfile.mkstemp`` is not used because
    it always creates 0o600, and reading the umask to undo that races with other threads.

    ``durable`` also fsyncs before the rename, so a crash cannot leave an empty file behind;
    caches skip it for speed. The temporary file is removed on any failure, Ctrl-C included.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        # A new file keeps the umask's mode it was created with.
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _create_beside(target: Path) -> tuple[int, str]:
    """A new, uniquely named file in ``target``'s folder, opened for writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, _NEW_FILE_MODE), tmp
        except FileExistsError:
            continue  # 48 random bits collided: draw another name
