"""Hand-made filings whose values cannot be read (see ``xbrl_handmade``): one rule for all.

``tiny-unreadable-inline`` shows numbers and non-numeric values whose inline format refuses
the displayed text, whose format no registry implements, whose format reads the text as
something else than a value of the concept's type (a duration for a boolean, INF for an
amount), or (no format) whose text is none, beside one readable fact of each kind.
``tiny-unreadable-classic`` states the classic counterparts: a number that is not one, a
boolean and a duration that are not, and an exponent on an amount (an xs:decimal: not a
number) beside one on a ratio of type xbrli:doubleItemType, which may have one (kept).
Every unreadable fact must be rejected with a reason naming it.
"""

# ruff: noqa: E501  (XML reads better unwrapped)

from pathlib import Path

from xbrl_handmade import write_package
from xbrl_handmade_docs import _NS
from xbrl_handmade_formats import INLINE_HEAD
from xbrl_handmade_instances import CONTEXTS, UNITS


def _number(fid: str, name: str, ctx: str, unit: str, text: str, fmt: str | None) -> str:
    format_ = f' format="{fmt}"' if fmt else ""
    return (
        f'<ix:nonFraction id="{fid}" name="{name}" contextRef="{ctx}" unitRef="{unit}" '
        f'decimals="-3" scale="3"{format_}>{text}</ix:nonFraction>'
    )


def _text(fid: str, name: str, ctx: str, text: str, fmt: str | None) -> str:
    format_ = f' format="{fmt}"' if fmt else ""
    return (
        f'<ix:nonNumeric id="{fid}" name="{name}" contextRef="{ctx}"{format_}>'
        f"{text}</ix:nonNumeric>"
    )


_REFUSED = _number("n-refused", "tiny:Revenue", "YTD", "USD", "about 3,000", "ixt:num-dot-decimal")
INLINE_UNREADABLE = f"""{INLINE_HEAD}
<p>Form <ix:nonNumeric id="f-type" name="dei:DocumentType" contextRef="D">10-Q</ix:nonNumeric>.</p>
<p>Revenue: {_number("n-ok", "tiny:Revenue", "D", "USD", "1,250", "ixt:num-dot-decimal")},
year to date {_REFUSED};
assets {_number("n-unknown", "tiny:Assets", "I", "USD", "douze mille", "ixt-sec:numwordsfr")}
and {_number("n-plain", "tiny:Assets", "Dregion", "USD", "n/a", None)}, at most
{_number("n-inf", "tiny:Assets", "I", "USD", "unlimited", "ixt-sec:numinf")}.</p>
<p>Useful life {_text("t-ok", "tiny:UsefulLife", "D", "2.5", "ixt-sec:duryear")};
flagged: {_text("t-refused", "tiny:IsFlag", "D", "yes", "ixt-sec:boolballotbox")},
{_text("t-plain", "tiny:IsFlag", "YTD", "maybe", None)},
{_text("t-mismatch", "tiny:IsFlag", "Dnotes", "2.5", "ixt-sec:duryear")};
{_text("t-unknown", "tiny:Description", "D", "CV", "ixt-x:romannumerals")}</p>
</body></html>
"""

CLASSIC_UNREADABLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<xbrli:xbrl {_NS}>
<link:schemaRef xlink:type="simple" xlink:href="tiny-2024.xsd"/>
{CONTEXTS}
{UNITS}
<dei:DocumentType contextRef="D">10-Q</dei:DocumentType>
<dei:AmendmentFlag contextRef="D">false</dei:AmendmentFlag>
<dei:EntityCentralIndexKey contextRef="D">0001234567</dei:EntityCentralIndexKey>
<tiny:Revenue id="c-ok" contextRef="D" unitRef="USD" decimals="-3">1250000</tiny:Revenue>
<tiny:Revenue id="c-abc" contextRef="YTD" unitRef="USD" decimals="-3">abc</tiny:Revenue>
<tiny:Revenue id="c-exp" contextRef="Dregion" unitRef="USD" decimals="-3">16398E6</tiny:Revenue>
<tiny:Ratio id="c-ratio" contextRef="D" unitRef="pure" decimals="INF">1.5E3</tiny:Ratio>
<tiny:IsFlag id="c-flag-ok" contextRef="D">true</tiny:IsFlag>
<tiny:IsFlag id="c-flag" contextRef="YTD">maybe</tiny:IsFlag>
<tiny:UsefulLife id="c-life" contextRef="D">three years</tiny:UsefulLife>
<tiny:Description id="c-desc" contextRef="D">Anything is a string</tiny:Description>
</xbrli:xbrl>
"""


def write_unreadable(root: Path) -> dict[str, Path]:
    """Both packages, by name ("inline", "classic")."""
    return {
        "inline": write_package(
            root / "tiny-unreadable-inline",
            {"tiny-20240930.htm": INLINE_UNREADABLE},
            entry="tiny-20240930.htm",
            form="10-Q",
        ),
        "classic": write_package(
            root / "tiny-unreadable-classic",
            {"tiny-20240930.xml": CLASSIC_UNREADABLE},
            entry="tiny-20240930.xml",
            form="10-Q",
        ),
    }
