"""Which value a cover-page (dei) concept stated more than once gives Report and Entity.

Document order decides nothing: a second dei:DocumentPeriodEndDate first in the hidden
section would otherwise set the period of report. The value every fact of the concept
states is taken; when they disagree, the value stated in the required context, the one
EDGAR's Filer Manual ties to dei:DocumentType (its period, so that a co-registrant's
legal entity member under it counts too), when that context holds exactly one; otherwise
none. Each disagreement is a warning to act on naming the values and their contexts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from xbrl_task.fact_rows import DeiFact

DOCUMENT_TYPE = "dei:DocumentType"
_REQUIRED = "the required context (that of dei:DocumentType)"


def required_period(dei: Iterable[DeiFact], registrant: str) -> str | None:
    """The period id of the registrant's dei:DocumentType without dimensions; None when it
    has none, or several in different periods (no required context can be told)."""
    periods = {
        f.period
        for f in dei
        if f.entity == registrant and f.element == DOCUMENT_TYPE and not f.dims
    }
    return periods.pop() if len(periods) == 1 else None


@dataclass
class CoverChoice:
    """Chooses cover values for one report and keeps a warning line per disagreement."""

    required_period: str | None
    warnings: list[str] = field(default_factory=list)

    def choose(self, facts: list[DeiFact], target: str) -> str | None:
        """The value of ``facts`` (one concept, one entity) that ``target`` (the column it
        fills, as the warning names it: ``Report.period_of_report``) takes, or None."""
        values = {f.text.strip() for f in facts}
        if len(values) <= 1:
            return values.pop() if values else None
        required = {f.text.strip() for f in facts if f.period == self.required_period}
        chosen = required.pop() if len(required) == 1 else None
        self.warnings.append(self._disagreement(facts, target, chosen, len(required)))
        return chosen

    def _disagreement(
        self, facts: list[DeiFact], target: str, chosen: str | None, others: int
    ) -> str:
        stated = dict.fromkeys((f.text.strip(), f.context_id) for f in facts)
        listed = ", ".join(f"'{text}' (context {context})" for text, context in stated)
        concept = f"{facts[0].element} of CIK {facts[0].entity}"
        head = f"cover-page facts disagree: {concept} states {listed}; {target}"
        if chosen is not None:
            return f"{head} takes '{chosen}', the value in {_REQUIRED}; check the package"
        if self.required_period is None:
            why = "the document stating no one required context (dei:DocumentType)"
        elif others:
            why = f"{_REQUIRED} holding more than one"
        else:
            why = f"none being in {_REQUIRED}"
        return f"{head} is left empty, {why}; fix the package and load it again"
