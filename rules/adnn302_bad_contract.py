"""ADNN302: a malformed ``# adnn:`` contract comment, or one attached to no model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, Span
from adnn_lint.spec.contract import (
    Attachments,
    ContractComment,
    definitions,
    find_contract_comments,
    parse_contract,
)
from adnn_lint.spec.errors import ContractSyntaxError


class BadContractRule(Rule):
    """A ``# adnn:`` comment that does not parse as a contract, or that belongs to no model.

    Why: a ``# adnn:`` comment states the accuracy a model must reach and the budgets
    (``max_time``, ``max_trial``, ``max_gain``) the verifier may spend to show it, for example
    ``# adnn: accuracy >= 0.88 on test, max_trial = 50, max_time = 10m``. ``adnn-lint spec``
    copies it into the model's spec. A comment that does not parse, or that is not on or just
    above a model definition, would silently leave the model without its contract.

    What to do: fix the clause at the reported column (the grammar is in ``docs/spec.md``:
    ``accuracy >= FRACTION [on test|validation]``, ``max_time = DURATION`` such as ``90s``,
    ``10m`` or ``2h``, ``max_trial = N``, ``max_gain = FRACTION``, ``delta = NUMBER``,
    ``confidence = FRACTION``; fractions may be written as percentages, ``88%``), or move the
    comment onto the line of the model definition, directly above it, directly above the
    function or class that builds the model, or above the line that instantiates a subclassed
    model's class (``model = Net()``).
    """

    code = "ADNN302"
    name = "bad-contract"
    severity = "error"
    summary = "A malformed or unattached `# adnn:` contract comment, pointed at the exact column."
    fix_why = (
        "the claim a contract states is the author's; a guess at the intended value would put "
        "words in their mouth."
    )
    VALID = (
        example(
            """
            import keras
            # adnn: accuracy >= 0.88 on test, max_trial = 50, max_time = 10m
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
            """
        ),
        example(
            """
            import keras
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])  # adnn: accuracy >= 88%, max_gain = 2%
            """
        ),
        example(
            """
            import keras
            text = "# adnn: this is a string, not a comment"
            """
        ),
        example(
            """
            import keras
            class Net(keras.Model):
                def __init__(self):
                    super().__init__()
                    self.out = keras.layers.Dense(10)
                def call(self, x):
                    return self.out(x)

            # adnn: accuracy >= 0.85
            model = Net()
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras

                # adnn: accuracy >= 1.5, max_trial = 50
                model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
                """
            ),
            Invalid("ADNN302", line=3),
        ),
        (
            example(
                """
                import keras
                model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])  # adnn: accuracy >= 0.9, max_time = 10 parsecs
                """
            ),
            Invalid("ADNN302", line=2),
        ),
        (
            example(
                """
                import keras
                # adnn: accuracy >= 0.9

                x = 1
                """
            ),
            Invalid("ADNN302", line=2),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        comments = find_contract_comments(ctx.source)
        if not comments:
            return ()
        return list(self._findings(ctx, comments))

    def _findings(self, ctx: FileContext, comments: list[ContractComment]) -> Iterator[Finding]:
        lines = ctx.source.splitlines()
        attachments = Attachments(comments, lines, definitions(ctx.source))
        attached = {
            id(found) for model in ctx.scan.models if (found := attachments.of_model(model))
        }
        for comment in comments:
            try:
                parse_contract(comment.text)
            except ContractSyntaxError as error:
                column = comment.text_column + error.offset
                span = Span(comment.line, column, comment.line, column + 1)
                yield ctx.finding(self, span, f"malformed contract: {error.message}")
                continue
            if id(comment) not in attached:
                end = comment.column + len(comment.text) + 1
                span = Span(comment.line, comment.column, comment.line, end)
                yield ctx.finding(
                    self,
                    span,
                    "this contract is attached to no model: put it on the line of a model "
                    "definition, directly above it, or above the function that builds it",
                    severity="warning",
                )
