"""The instance documents of the hand-made filings (see ``xbrl_handmade``)."""

# ruff: noqa: E501  (XML reads better unwrapped)

from xbrl_handmade_docs import _NS

_CIK = '<xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001234567</xbrli:identifier>{seg}</xbrli:entity>'
_Q3 = "<xbrli:period><xbrli:startDate>2024-07-01</xbrli:startDate><xbrli:endDate>2024-09-30</xbrli:endDate></xbrli:period>"
_YTD = "<xbrli:period><xbrli:startDate>2024-01-01</xbrli:startDate><xbrli:endDate>2024-09-30</xbrli:endDate></xbrli:period>"
_END = "<xbrli:period><xbrli:instant>2024-09-30</xbrli:instant></xbrli:period>"


def _context(cid: str, period: str, segment: str = "", scenario: str = "") -> str:
    seg = f"<xbrli:segment>{segment}</xbrli:segment>" if segment else ""
    scen = f"<xbrli:scenario>{scenario}</xbrli:scenario>" if scenario else ""
    return f'<xbrli:context id="{cid}">{_CIK.format(seg=seg)}{period}{scen}</xbrli:context>'


def _explicit(axis: str, member: str) -> str:
    return f'<xbrldi:explicitMember dimension="{axis}">{member}</xbrldi:explicitMember>'


CONTEXTS = "\n".join(
    (
        _context("D", _Q3),
        _context("YTD", _YTD),
        _context("I", _END),
        _context("Dsub", _Q3, _explicit("dei:LegalEntityAxis", "tiny:SubsidiaryMember")),
        _context("Dnotes", _Q3, _explicit("tiny:ClassAxis", "tiny:NotesMember")),
        _context(
            "Dregion",
            _Q3,
            '<xbrldi:typedMember dimension="tiny:RegionAxis"><tiny:RegionCode>EMEA</tiny:RegionCode></xbrldi:typedMember>',
        ),
        _context("YTDscen", _YTD, scenario=_explicit("tiny:SegmentAxis", "tiny:WidgetsMember")),
    )
)
UNITS = """<xbrli:unit id="USD"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
<xbrli:unit id="EUR"><xbrli:measure>iso4217:EUR</xbrli:measure></xbrli:unit>
<xbrli:unit id="shares"><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unit>
<xbrli:unit id="pure"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>
<xbrli:unit id="usdPerShare"><xbrli:divide><xbrli:unitNumerator><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unitNumerator><xbrli:unitDenominator><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unitDenominator></xbrli:divide></xbrli:unit>
<xbrli:unit id="usdShares"><xbrli:measure>xbrli:shares</xbrli:measure><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>"""

CLASSIC_INSTANCE = f"""<?xml version="1.0" encoding="UTF-8"?>
<xbrli:xbrl {_NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<link:schemaRef xlink:type="simple" xlink:href="tiny-2024.xsd"/>
{CONTEXTS}
{UNITS}
<dei:DocumentType contextRef="D">10-Q</dei:DocumentType>
<dei:AmendmentFlag contextRef="D">false</dei:AmendmentFlag>
<dei:DocumentPeriodEndDate contextRef="D">2024-09-30</dei:DocumentPeriodEndDate>
<dei:DocumentFiscalYearFocus contextRef="D">2024</dei:DocumentFiscalYearFocus>
<dei:DocumentFiscalPeriodFocus contextRef="D">Q3</dei:DocumentFiscalPeriodFocus>
<dei:EntityRegistrantName contextRef="D">Tiny Holdings, Inc.</dei:EntityRegistrantName>
<dei:EntityCentralIndexKey contextRef="D">0001234567</dei:EntityCentralIndexKey>
<dei:CurrentFiscalYearEndDate contextRef="D">--12-31</dei:CurrentFiscalYearEndDate>
<dei:EntityFilerCategory contextRef="D">Non-accelerated Filer</dei:EntityFilerCategory>
<dei:EntityIncorporationStateCountryCode contextRef="D">DE</dei:EntityIncorporationStateCountryCode>
<dei:EntityTaxIdentificationNumber contextRef="D">12-3456789</dei:EntityTaxIdentificationNumber>
<dei:Security12bTitle contextRef="D">Common Stock</dei:Security12bTitle>
<dei:TradingSymbol contextRef="D">TINY</dei:TradingSymbol>
<dei:SecurityExchangeName contextRef="D">NASDAQ</dei:SecurityExchangeName>
<dei:Security12bTitle contextRef="Dnotes">5% Notes due 2030</dei:Security12bTitle>
<dei:TradingSymbol contextRef="Dnotes">TINY30</dei:TradingSymbol>
<dei:SecurityExchangeName contextRef="Dnotes">NYSE</dei:SecurityExchangeName>
<dei:EntityRegistrantName contextRef="Dsub">Tiny Subsidiary LLC</dei:EntityRegistrantName>
<dei:EntityCentralIndexKey contextRef="Dsub">0007654321</dei:EntityCentralIndexKey>
<dei:EntityIncorporationStateCountryCode contextRef="Dsub">NV</dei:EntityIncorporationStateCountryCode>
<tiny:Revenue id="rev-q3-1" contextRef="D" unitRef="USD" decimals="-3">1000</tiny:Revenue>
<tiny:Revenue id="rev-q3-2" contextRef="D" unitRef="USD" decimals="-3">1000.00</tiny:Revenue>
<tiny:Revenue id="rev-ytd" contextRef="YTD" unitRef="USD" decimals="-3">3000</tiny:Revenue>
<tiny:Revenue id="rev-q3-eur" contextRef="D" unitRef="EUR" decimals="-3">900</tiny:Revenue>
<tiny:Revenue id="rev-sub" contextRef="Dsub" unitRef="USD" decimals="-3">250</tiny:Revenue>
<tiny:Revenue id="rev-region" contextRef="Dregion" unitRef="USD" decimals="-3">400</tiny:Revenue>
<tiny:Revenue id="rev-widgets" contextRef="YTDscen" unitRef="USD" decimals="-3">2000</tiny:Revenue>
<tiny:CostOfRevenue id="cost-a" contextRef="D" unitRef="USD" decimals="0">400</tiny:CostOfRevenue>
<tiny:CostOfRevenue id="cost-b" contextRef="D" unitRef="USD" decimals="0">450</tiny:CostOfRevenue>
<tiny:Assets id="assets-a" contextRef="I" unitRef="USD" decimals="0">12345</tiny:Assets>
<tiny:Assets id="assets-b" contextRef="I" unitRef="USD" decimals="-3">12000</tiny:Assets>
<tiny:GrossProfit id="gp-ytd" contextRef="YTD" unitRef="USD" xsi:nil="true"/>
<tiny:SharesOutstanding id="shares" contextRef="I" unitRef="shares" decimals="INF">1000000</tiny:SharesOutstanding>
<tiny:EarningsPerShare id="eps" contextRef="D" unitRef="usdPerShare" precision="3">0.123</tiny:EarningsPerShare>
<tiny:BigAmount id="intensity" contextRef="I" unitRef="usdShares" decimals="2">1.50</tiny:BigAmount>
<tiny:Description id="desc-en" contextRef="D" xml:lang="en">Widgets and gadgets</tiny:Description>
<tiny:Description id="desc-en-b" contextRef="D" xml:lang="en">Widgets, gadgets</tiny:Description>
<tiny:Description id="desc-fr" contextRef="D" xml:lang="fr">Widgets et gadgets</tiny:Description>
<link:footnoteLink xlink:type="extended" xlink:role="http://www.xbrl.org/2003/role/link">
<link:loc xlink:type="locator" xlink:href="#rev-q3-1" xlink:label="fact_rev"/>
<link:footnote xlink:type="resource" xlink:label="fn1" xlink:role="http://www.xbrl.org/2003/role/footnote" xml:lang="en" id="fn1">Includes a one-time <xhtml:b xmlns:xhtml="http://www.w3.org/1999/xhtml">gain</xhtml:b>.</link:footnote>
<link:footnoteArc xlink:type="arc" xlink:arcrole="http://www.xbrl.org/2003/arcrole/fact-footnote" xlink:from="fact_rev" xlink:to="fn1"/>
</link:footnoteLink>
</xbrli:xbrl>
"""

_IX = (
    'xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL" '
    'xmlns:ixt="http://www.xbrl.org/inlineXBRL/transformation/2020-02-12" '
    'xmlns:ixt-sec="http://www.sec.gov/inlineXBRL/transformation/2015-08-31" '
    f"{_NS}"
)
_SCHEMA_REF = '<ix:references><link:schemaRef xlink:type="simple" xlink:href="tiny-2024.xsd"/></ix:references>'


def _num(fid: str, name: str, ctx: str, unit: str, text: str, attrs: str = "") -> str:
    return (
        f'<ix:nonFraction id="{fid}" name="{name}" contextRef="{ctx}" unitRef="{unit}" '
        f'format="ixt:num-dot-decimal" {attrs}>{text}</ix:nonFraction>'
    )


INLINE_MAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<html {_IX}><head><title>Tiny 10-Q</title></head><body>
<div style="display:none"><ix:header>
<ix:hidden>
<ix:nonNumeric id="h-amend" name="dei:AmendmentFlag" contextRef="D">false</ix:nonNumeric>
<ix:nonNumeric id="h-cik" name="dei:EntityCentralIndexKey" contextRef="D">0001234567</ix:nonNumeric>
<ix:nonNumeric id="h-fy" name="dei:DocumentFiscalYearFocus" contextRef="D">2024</ix:nonNumeric>
<ix:nonNumeric id="h-fp" name="dei:DocumentFiscalPeriodFocus" contextRef="D">Q3</ix:nonNumeric>
{_num("h-rev-eur", "tiny:Revenue", "D", "EUR", "1,111", 'decimals="-3" scale="3"')}
</ix:hidden>
{_SCHEMA_REF}
<ix:resources>
{CONTEXTS}
{UNITS}
<ix:relationship fromRefs="f-rev" toRefs="fn1" arcrole="http://www.xbrl.org/2003/arcrole/fact-footnote"/>
</ix:resources>
</ix:header></div>
<p>Form <ix:nonNumeric id="f-type" name="dei:DocumentType" contextRef="D">10-Q</ix:nonNumeric> for the quarter ended
<ix:nonNumeric id="f-end" name="dei:DocumentPeriodEndDate" contextRef="D" format="ixt:date-monthname-day-year-en">September 30, 2024</ix:nonNumeric>.</p>
<p><ix:nonNumeric id="f-name" name="dei:EntityRegistrantName" contextRef="D">Tiny Holdings, Inc.</ix:nonNumeric>,
incorporated in <ix:nonNumeric id="f-state" name="dei:EntityIncorporationStateCountryCode" contextRef="D" format="ixt-sec:stateprovnameen">Delaware</ix:nonNumeric>,
a <ix:nonNumeric id="f-filer" name="dei:EntityFilerCategory" contextRef="D" format="ixt-sec:entityfilercategoryen">Non-accelerated filer</ix:nonNumeric>,
trades as <ix:nonNumeric id="f-ticker" name="dei:TradingSymbol" contextRef="D">TINY</ix:nonNumeric> on
<ix:nonNumeric id="f-exch" name="dei:SecurityExchangeName" contextRef="D" format="ixt-sec:exchnameen">The Nasdaq Stock Market LLC</ix:nonNumeric>.</p>
<table>
<tr><td>Revenue</td><td>$ ({_num("f-rev", "tiny:Revenue", "D", "USD", "1,234", 'decimals="-3" scale="3"')})</td></tr>
<tr><td>Cost of revenue</td><td>$ ({_num("f-cost", "tiny:CostOfRevenue", "D", "USD", "567", 'decimals="-3" scale="3" sign="-"')})</td></tr>
<tr><td>Assets</td><td>{_num("f-assets", "tiny:Assets", "I", "USD", "1.5", 'decimals="-5" scale="6"')}</td></tr>
<tr><td>Big</td><td>({_num("f-big", "tiny:BigAmount", "I", "USD", "12,345,678,901,234,567,890.12345678901", 'decimals="11" sign="-"')})</td></tr>
</table>
<p>We have <ix:nonFraction id="f-count" name="tiny:Count" contextRef="D" unitRef="pure" decimals="INF" format="ixt-sec:numwordsen">three</ix:nonFraction> plants,
depreciated over <ix:nonNumeric id="f-life" name="tiny:UsefulLife" contextRef="D" format="ixt-sec:durwordsen">five years</ix:nonNumeric>.
Flag: <ix:nonNumeric id="f-flag" name="tiny:IsFlag" contextRef="D" format="ixt-sec:boolballotbox">\u2612</ix:nonNumeric></p>
<ix:nonNumeric id="f-policy" name="tiny:PolicyTextBlock" contextRef="YTD" escape="true"><p>Revenue was <b>{_num("f-rev-ytd", "tiny:Revenue", "YTD", "USD", "3,000", 'decimals="-3" scale="3"')}</b> thousand.</p></ix:nonNumeric>
<p><ix:nonNumeric id="f-desc" name="tiny:Description" contextRef="D" xml:lang="en" continuedAt="c1">Widgets</ix:nonNumeric></p>
<p><ix:continuation id="c1"> and gadgets<ix:exclude> (continued on page 2)</ix:exclude>, worldwide.</ix:continuation></p>
<p><ix:footnote id="fn1" xml:lang="en">Includes a one-time <b>gain</b>.</ix:footnote></p>
</body></html>
"""

INLINE_EXHIBIT = f"""<?xml version="1.0" encoding="UTF-8"?>
<html {_IX}><head><title>Tiny exhibit 99</title></head><body>
<div style="display:none"><ix:header>{_SCHEMA_REF}</ix:header></div>
<p>Shares outstanding: {_num("x-shares", "tiny:SharesOutstanding", "I", "shares", "1,000,000", 'decimals="INF"')}</p>
<p>Euro revenue, nine months: {_num("x-rev-eur", "tiny:Revenue", "YTD", "EUR", "2.7", 'decimals="-2" scale="3"')}</p>
</body></html>
"""
