"""The type of a literal parameter value, as source code or the catalog writes it.

Kept apart from the catalog loader so the scanner's records, which a run over files that never
mention Keras still imports, do not pull in the loader and its JSON.
"""

from __future__ import annotations

#: A literal parameter value as it can appear in source or in the catalog.
ParamValue = float | int | str | bool | None
