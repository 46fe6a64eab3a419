"""Progress: plain lines when not a terminal, a tqdm bar on one, nothing when quiet."""

from __future__ import annotations

import io

from adnn_lint.runtime.progress import Progress, RunCounts


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_say_where_the_run_is() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.phase("asa", 4)
    progress.advance(1, "best 91.00% (trial 0)")
    progress.advance(2, "best 92.00% (trial 1)")
    progress.message("search stopped: max_trial")
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("asa 1/4 best 91.00% (trial 0) (")
    assert "elapsed" in lines[0] and "left)" in lines[1]
    assert lines[-1] == "search stopped: max_trial"


def test_unknown_total_and_quiet() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.phase("asa", None)
    progress.advance(3)
    assert stream.getvalue().startswith("asa 3/? (")
    silent = io.StringIO()
    quiet = Progress(quiet=True, stream=silent)
    quiet.phase("baseline", 5)
    quiet.advance(1, "x")
    quiet.message("y")
    quiet.close()
    assert silent.getvalue() == ""


def test_terminal_gets_a_live_bar() -> None:
    stream = _Tty()
    progress = Progress(stream=stream)
    assert progress.live
    progress.phase("baseline", 2)
    progress.advance(1, "accuracy 88.00%")
    progress.advance(2)
    progress.close()
    text = stream.getvalue()
    assert "baseline" in text and "2/2" in text and "\r" in text


def test_a_parallel_executor_s_run_counts_show_with_the_next_line_and_on_the_bar() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.phase("baseline", 5)
    progress.runs(RunCounts(queued=2, running=2, finished=1, failed=0))
    assert stream.getvalue() == ""  # plain lines: no extra line per change
    progress.advance(1, "accuracy 88.00%")
    line = stream.getvalue().splitlines()[-1]
    assert "accuracy 88.00%; 2 queued, 2 running, 1 finished, 0 failed" in line
    progress.phase("verdict", 2)  # a new phase starts without the old counts
    progress.advance(1)
    assert "queued" not in stream.getvalue().splitlines()[-1]
    tty = _Tty()
    bar = Progress(stream=tty)
    bar.phase("asa", 4)
    bar.runs(RunCounts(queued=0, running=1, finished=3, failed=1))
    bar.close()
    assert "1 running, 3 finished, 1 failed" in tty.getvalue()
