"""A hand-made inline filing for the SEC formats no bundled filing uses (see ``xbrl_handmade``).

One document of the tiny taxonomy whose facts use the SEC formats the bundled real filings
never show (a quarter end, country names, week and hour durations), one displayed text a
format refuses, and two formats nobody implements: one the SEC namespace does not define and
one of a registry Arelle does not know. Such facts must be rejected, each named.
"""

# ruff: noqa: E501  (XML reads better unwrapped)

from xbrl_handmade_instances import _IX, _SCHEMA_REF, CONTEXTS, UNITS

_UNKNOWN_REGISTRY = "http://example.com/inlineXBRL/transformation/2099-01-01"


def _fact(fid: str, name: str, ctx: str, fmt: str, text: str) -> str:
    return (
        f'<ix:nonNumeric id="{fid}" name="{name}" contextRef="{ctx}" format="{fmt}">'
        f"{text}</ix:nonNumeric>"
    )


_QUARTER_END = _fact(
    "q-end", "dei:DocumentPeriodEndDate", "D", "ixt-sec:datequarterend", "third quarter of 2024"
)
_COUNTRY = _fact(
    "q-country", "dei:EntityAddressCountry", "D", "ixt-sec:countrynameen",
    "United States of America",
)  # fmt: skip
_INCORPORATED = _fact(
    "q-inc", "dei:EntityIncorporationStateCountryCode", "D", "ixt-sec:edgarprovcountryen",
    "Cayman Islands",
)  # fmt: skip


# The opening of a tiny inline 10-Q, up to its body's text (its formats' registry included).
INLINE_HEAD = f"""<?xml version="1.0" encoding="UTF-8"?>
<html {_IX} xmlns:ixt-x="{_UNKNOWN_REGISTRY}"><head><title>Tiny 10-Q</title></head><body>
<div style="display:none"><ix:header>
<ix:hidden>
<ix:nonNumeric id="h-amend" name="dei:AmendmentFlag" contextRef="D">false</ix:nonNumeric>
<ix:nonNumeric id="h-cik" name="dei:EntityCentralIndexKey" contextRef="D">0001234567</ix:nonNumeric>
</ix:hidden>
{_SCHEMA_REF}
<ix:resources>
{CONTEXTS}
{UNITS}
</ix:resources>
</ix:header></div>"""

INLINE_FORMATS = f"""{INLINE_HEAD}
<p>Form <ix:nonNumeric id="f-type" name="dei:DocumentType" contextRef="D">10-Q</ix:nonNumeric>
for the {_QUARTER_END}.</p>
<p>Based in the {_COUNTRY},
incorporated in the {_INCORPORATED}.</p>
<p>We have <ix:nonFraction id="q-count" name="tiny:Count" contextRef="D" unitRef="pure"
decimals="INF" format="ixt-sec:numwordsen">one hundred and five</ix:nonFraction> plants,
inspected every {_fact("q-weeks", "tiny:UsefulLife", "D", "ixt-sec:durweek", "1.5")} weeks
for {_fact("q-hours", "tiny:UsefulLife", "YTD", "ixt-sec:durhour", "36")} hours.
Flag: {_fact("q-flag", "tiny:IsFlag", "D", "ixt-sec:boolballotbox", "yes")}</p>
<p>{_fact("q-madeup", "tiny:Description", "D", "ixt-sec:numwordsfr", "cent cinq")}
{_fact("q-alien", "tiny:Description", "YTD", "ixt-x:romannumerals", "CV")}</p>
</body></html>
"""
