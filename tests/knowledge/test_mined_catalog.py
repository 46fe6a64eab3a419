"""The checked-in catalog equals one freshly mined from the installed Keras."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.runtime


def test_checked_in_catalog_matches_installed_keras() -> None:
    pytest.importorskip("keras")
    from adnn_lint.knowledge.catalog import read_document
    from adnn_lint.knowledge.mine import dumps_catalog, mine_catalog

    mined = json.loads(dumps_catalog(mine_catalog()))
    checked_in = read_document()
    # The version itself may differ (CI installs the newest Keras 3); what it says may not.
    sections = (mined.keys() | checked_in.keys()) - {"keras_version"}
    differing = sorted(k for k in sections if mined.get(k) != checked_in.get(k))
    assert not differing, (
        f"catalog sections {differing} differ from the installed Keras {mined['keras_version']} "
        f"(catalog mined from {checked_in['keras_version']}): run `adnn-lint catalog --mine`"
    )
