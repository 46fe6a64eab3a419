"""Progress of a verification: a live tqdm bar on a terminal, plain lines otherwise, or nothing.

Each phase (baseline, search, verdict) is a bar or a run of lines "phase k/n ...": trial k of n,
best validation accuracy so far, elapsed and (tqdm's estimate of the) remaining time. Plain
lines go to the stream as they happen, so logs of CI jobs show where a run is. An executor that
trains runs in parallel (Ray) also reports its :class:`RunCounts`: the bar shows them as they
change, plain lines with the next finished run.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class RunCounts:
    """Runs (not tasks) of the batch an executor is working on."""

    queued: int
    running: int
    finished: int
    failed: int

    def __str__(self) -> str:
        return (
            f"{self.queued} queued, {self.running} running, {self.finished} finished, "
            f"{self.failed} failed"
        )


class Progress:
    """``quiet``: print nothing; otherwise a bar on a TTY and plain lines elsewhere."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.live = not quiet and self.stream.isatty()
        self._bar: Any = None
        self._phase = ""
        self._total: int | None = None
        self._done = 0
        self._start = time.perf_counter()
        self._counts = ""
        self._note = ""

    def phase(self, name: str, total: int | None) -> None:
        """Start a phase of ``total`` runs (None when unknown, e.g. a time budget)."""
        self._close_bar()
        self._phase, self._total, self._done = name, total, 0
        self._counts = ""
        self._start = time.perf_counter()
        if self.live:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=name, file=self.stream, unit="run", leave=True)

    def advance(self, done: int, note: str = "") -> None:
        """``done`` runs of the phase are finished; ``note`` e.g. 'best 91.20%'."""
        if self.quiet:
            return
        step = done - self._done
        self._done = done
        self._note = note
        if self._bar is not None:
            self._bar.set_postfix_str(self._postfix(), refresh=False)
            self._bar.update(step)
            return
        total = "?" if self._total is None else str(self._total)
        elapsed = time.perf_counter() - self._start
        remaining = ""
        if self._total and done:
            remaining = f", ~{elapsed / done * (self._total - done):.0f}s left"
        tail = f" {self._postfix()}" if self._postfix() else ""
        print(
            f"{self._phase} {done}/{total}{tail} ({elapsed:.0f}s elapsed{remaining})",
            file=self.stream,
            flush=True,
        )

    def runs(self, counts: RunCounts) -> None:
        """The executor's runs in this batch: queued, running, finished, failed."""
        self._counts = str(counts)
        if self._bar is not None:
            self._bar.set_postfix_str(self._postfix())

    def _postfix(self) -> str:
        return "; ".join(part for part in (self._note, self._counts) if part)

    def message(self, text: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        self._close_bar()
