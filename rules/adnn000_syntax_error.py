"""ADNN000: a file that does not parse."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding


class SyntaxErrorRule(Rule):
    """A file could not be parsed (or read as text), so none of its models were checked.

    Why: adnn-lint reads source statically and never imports it. A file with a syntax error, or
    one that is not valid UTF-8 text (nor in the encoding its ``# -*- coding: -*-`` line
    declares), yields no layers, so every rule is silently blind to it. The finding points at
    the first position the parser rejected; the rest of the run goes on.

    What to do: fix the syntax error (``python -m py_compile FILE`` shows the same place), or
    exclude the file in ``[tool.adnn-lint] exclude`` if it is not Python.

    The engine emits this finding itself, before any rule runs; it has no autofix and cannot be
    suppressed with ``# noqa`` (the comment may not even be reachable), only deselected.
    """

    code = "ADNN000"
    name = "syntax-error"
    severity = "error"
    summary = "A file that does not parse; the rest of the run goes on."
    fix_why = "the file does not parse, and what its author meant to write is not known."
    VALID = (
        example(
            """
            import keras
            layer = keras.layers.Dense(4)
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras
                layer = keras.layers.Dense(4
                """
            ),
            Invalid("ADNN000", line=2),
        ),
        (
            example(
                """
                def build(:
                    pass
                """
            ),
            Invalid("ADNN000", line=1),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        # A FileContext only exists for a file that parsed, so there is nothing to report here;
        # the engine reports the parse failure directly.
        return ()
