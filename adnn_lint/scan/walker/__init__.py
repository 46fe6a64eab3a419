"""The hand-written walk over one file's LibCST tree, in sections layered by inheritance:
``base`` (state, names) <- ``layers`` <- ``models`` <- ``helpers`` <- ``calls`` <- ``statements``
(``Walker``, the whole walk). Each section calls only itself and the sections below it; the base
declares ``block``, the one method a lower section needs from ``statements``.
"""
