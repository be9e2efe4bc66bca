"""Part of the Arelle adapter: footnotes and the facts they are linked to.

Classic instances link facts to ``link:footnote`` resources in footnote links; inline
documents use ``ix:footnote`` and ``ix:relationship``. Arelle turns both into relationships
of its "XBRL-footnotes" set, which is what is read here.
"""

from __future__ import annotations

from arelle.ModelInstanceObject import ModelFact
from arelle.ModelObject import ModelObject
from arelle.ModelXbrl import ModelXbrl

from xbrl_task.model import FootnoteInfo, FootnoteLink
from xbrl_task.text import plain_text

_FOOTNOTES = "XBRL-footnotes"


class FootnoteIndex:
    """The footnote links of every fact, copied once per footnote."""

    def __init__(self, model: ModelXbrl) -> None:
        self._links: dict[int, list[FootnoteLink]] = {}
        self.unlinked_targets = 0
        copied: dict[int, FootnoteInfo] = {}
        for rel in model.relationshipSet(_FOOTNOTES).modelRelationships:
            source, target = rel.fromModelObject, rel.toModelObject
            if not isinstance(source, ModelFact) or target is None:
                continue
            if isinstance(target, ModelFact):  # a fact-to-fact link, no footnote text
                self.unlinked_targets += 1
                continue
            if id(target) not in copied:
                copied[id(target)] = _footnote(target)
            link = FootnoteLink(copied[id(target)], rel.arcrole)
            self._links.setdefault(id(source), []).append(link)

    def links_of(self, fact: ModelFact) -> tuple[FootnoteLink, ...]:
        return tuple(self._links.get(id(fact), ()))


def _footnote(resource: ModelObject) -> FootnoteInfo:
    markup = resource.viewText()
    xml_id = resource.get("id") or getattr(resource, "footnoteID", None)
    return FootnoteInfo(
        xml_id=xml_id or resource.get("{http://www.w3.org/1999/xlink}label"),
        role=resource.role,
        language=resource.xmlLang,
        html=markup,
        plain=plain_text(markup),
    )
