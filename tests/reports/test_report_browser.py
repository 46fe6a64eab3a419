"""Open the report in headless Chromium, as a reviewer would, and look at it.

Skipped when no Chromium is installed (``tools/install-chromium.sh`` installs Debian's). Each page
is screenshotted (kept under $ADNN_REPORT_SCREENSHOTS when set, for a person to look at), and the
test checks that the key sections are visible, that the page made no network request, that the
console stayed free of errors, that the hostile source line ran nothing, and that a phone-width
screen needs no sideways scrolling of the page itself.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from cdp import Page, chromium, find_chromium
from report_samples import SOURCE, sample_spec, write_findings, write_results

from adnn_lint.reports.render import SpecInput, build_view, load_inputs, render_html, write_atomic

pytestmark = pytest.mark.browser

CHROMIUM = find_chromium()
if CHROMIUM is None:
    pytest.skip("no chromium (tools/install-chromium.sh installs it)", allow_module_level=True)
pytest.importorskip("websocket", reason="websocket-client is in the test extra")

VISIBLE = """
(ids) => ids.map((id) => {
  const el = document.getElementById(id);
  if (!el) return [id, 'missing'];
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const shown = box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
    && style.display !== 'none';
  return [id, shown ? 'visible' : 'hidden'];
})
"""


def _visible(page: Page, ids: list[str]) -> dict[str, str]:
    pairs = page.evaluate(f"({VISIBLE})({ids!r})")
    return dict(pairs)


def _keep(shot: Path) -> None:
    folder = os.environ.get("ADNN_REPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    results = write_results(folder / "results.json")
    findings = write_findings(folder)
    full = load_inputs(str(findings), (), str(results))
    full = replace(full, specs=(SpecInput("mnist.toml", sample_spec(branching=True)),))
    return {
        "full": write_atomic(folder / "full.html", render_html(build_view(full))),
        "lint": write_atomic(
            folder / "lint.html", render_html(build_view(load_inputs(str(findings))))
        ),
    }


@pytest.mark.parametrize(
    ("name", "width", "sections"),
    [
        ("full", 1100, ["verdict", "model", "findings", "seeds", "search", "measured", "rules"]),
        ("full", 390, ["verdict", "model", "findings", "seeds", "search", "measured"]),
        ("lint", 1100, ["verdict", "findings", "measured", "rules"]),
    ],
)
def test_report_in_chromium(
    pages: dict[str, Path], tmp_path: Path, name: str, width: int, sections: list[str]
) -> None:
    assert CHROMIUM is not None
    url = pages[name].as_uri()
    with chromium(CHROMIUM, tmp_path / "profile") as page:
        page.open(url, width=width)
        shot = page.screenshot(tmp_path / f"report-{name}-{width}.png")
        _keep(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000

        assert _visible(page, sections) == dict.fromkeys(sections, "visible")
        if name == "full":
            charts = page.evaluate(
                "Array.from(document.querySelectorAll('figure.chart > svg'))"
                ".map((s) => Math.round(s.getBoundingClientRect().width))"
            )
            assert len(charts) == 4 and all(w > 150 for w in charts)  # graph, seeds, trials, T
        # The narrow screen scrolls wide tables inside their own box, never the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Nothing ran: no script element, no dialog from the hostile source line.
        assert page.evaluate("document.scripts.length") == 0
        assert SOURCE.splitlines()[4].strip() in page.evaluate("document.body.innerText")

        page.send("Emulation.setEmulatedMedia", media="print")
        assert _visible(page, sections) == dict.fromkeys(sections, "visible")
        assert (
            page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        )

        assert page.log.requests == [url], "the page fetched something besides itself"
        assert page.log.console_errors == []
        assert page.log.dialogs == []
