"""The documents of the hand-made filings (see ``xbrl_handmade``): taxonomy, classic, inline."""

# ruff: noqa: E501  (XML reads better unwrapped)

_NS = (
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xbrli="http://www.xbrl.org/2003/instance" '
    'xmlns:link="http://www.xbrl.org/2003/linkbase" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:xbrldt="http://xbrl.org/2005/xbrldt" '
    'xmlns:xbrldi="http://xbrl.org/2006/xbrldi" '
    'xmlns:iso4217="http://www.xbrl.org/2003/iso4217" '
    'xmlns:dei="http://xbrl.sec.gov/dei/2023" '
    'xmlns:dtr="http://www.xbrl.org/dtr/type/2022-03-31" '
    'xmlns:tiny="http://example.com/tiny/2024"'
)
_ROLE = "http://example.com/tiny/role"


def _element(name: str, type_: str, period: str, extra: str = "") -> str:
    return (
        f'<xs:element name="{name}" id="tiny_{name}" type="{type_}" '
        f'substitutionGroup="xbrli:item" xbrli:periodType="{period}" nillable="true" {extra}/>'
    )


_ELEMENTS = "\n".join(
    (
        _element("Revenue", "xbrli:monetaryItemType", "duration", 'xbrli:balance="credit"'),
        _element("CostOfRevenue", "xbrli:monetaryItemType", "duration", 'xbrli:balance="debit"'),
        _element("GrossProfit", "xbrli:monetaryItemType", "duration", 'xbrli:balance="credit"'),
        _element("Assets", "xbrli:monetaryItemType", "instant", 'xbrli:balance="debit"'),
        _element("BigAmount", "xbrli:monetaryItemType", "instant"),
        _element("SharesOutstanding", "xbrli:sharesItemType", "instant"),
        _element("EarningsPerShare", "dtr:perShareItemType", "duration"),
        _element("Count", "xbrli:integerItemType", "duration"),
        _element("Ratio", "xbrli:doubleItemType", "duration"),
        _element("UsefulLife", "xbrli:durationItemType", "duration"),
        _element("IsFlag", "xbrli:booleanItemType", "duration"),
        _element("Description", "xbrli:stringItemType", "duration"),
        _element("PolicyTextBlock", "dtr:textBlockItemType", "duration"),
        _element("IncomeAbstract", "xbrli:stringItemType", "duration", 'abstract="true"'),
        _element("IncomeLineItems", "xbrli:stringItemType", "duration", 'abstract="true"'),
        _element("SegmentDomain", "dtr:domainItemType", "duration", 'abstract="true"'),
        _element("WidgetsMember", "dtr:domainItemType", "duration", 'abstract="true"'),
        _element("GadgetsMember", "dtr:domainItemType", "duration", 'abstract="true"'),
        _element("SubsidiaryMember", "dtr:domainItemType", "duration", 'abstract="true"'),
        _element("NotesMember", "dtr:domainItemType", "duration", 'abstract="true"'),
        '<xs:element name="SegmentAxis" id="tiny_SegmentAxis" type="xbrli:stringItemType" substitutionGroup="xbrldt:dimensionItem" xbrli:periodType="duration" abstract="true" nillable="true"/>',
        '<xs:element name="ClassAxis" id="tiny_ClassAxis" type="xbrli:stringItemType" substitutionGroup="xbrldt:dimensionItem" xbrli:periodType="duration" abstract="true" nillable="true"/>',
        '<xs:element name="RegionAxis" id="tiny_RegionAxis" type="xbrli:stringItemType" substitutionGroup="xbrldt:dimensionItem" xbrli:periodType="duration" abstract="true" nillable="true" xbrldt:typedDomainRef="#tiny_RegionCode"/>',
        '<xs:element name="RegionCode" id="tiny_RegionCode" type="xs:string"/>',
        '<xs:element name="IncomeTable" id="tiny_IncomeTable" type="xbrli:stringItemType" substitutionGroup="xbrldt:hypercubeItem" xbrli:periodType="duration" abstract="true" nillable="true"/>',
        '<xs:element name="ExcludedTable" id="tiny_ExcludedTable" type="xbrli:stringItemType" substitutionGroup="xbrldt:hypercubeItem" xbrli:periodType="duration" abstract="true" nillable="true"/>',
    )
)


def _linkbase_ref(kind: str, role: str) -> str:
    return (
        f'<link:linkbaseRef xlink:type="simple" xlink:href="tiny-2024_{kind}.xml" '
        f'xlink:role="http://www.xbrl.org/2003/role/{role}LinkbaseRef" '
        'xlink:arcrole="http://www.w3.org/1999/xlink/properties/linkbase"/>'
    )


TINY_SCHEMA = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema {_NS} targetNamespace="http://example.com/tiny/2024" elementFormDefault="qualified">
<xs:annotation><xs:appinfo>
<link:roleType roleURI="{_ROLE}/Income" id="Income"><link:definition>0002 - Statement - Condensed Statement of Income</link:definition><link:usedOn>link:presentationLink</link:usedOn><link:usedOn>link:calculationLink</link:usedOn><link:usedOn>link:definitionLink</link:usedOn></link:roleType>
<link:roleType roleURI="{_ROLE}/Details" id="Details"><link:definition>0003 - Disclosure - Revenue Details</link:definition><link:usedOn>link:calculationLink</link:usedOn></link:roleType>
{_linkbase_ref("lab", "label")}
{_linkbase_ref("ref", "reference")}
{_linkbase_ref("pre", "presentation")}
{_linkbase_ref("cal", "calculation")}
{_linkbase_ref("def", "definition")}
</xs:appinfo></xs:annotation>
<xs:import namespace="http://www.xbrl.org/2003/instance" schemaLocation="http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd"/>
<xs:import namespace="http://xbrl.org/2005/xbrldt" schemaLocation="http://www.xbrl.org/2005/xbrldt-2005.xsd"/>
<xs:import namespace="http://www.xbrl.org/dtr/type/2022-03-31" schemaLocation="https://www.xbrl.org/dtr/type/2022-03-31/types.xsd"/>
<xs:import namespace="http://xbrl.sec.gov/dei/2023" schemaLocation="https://xbrl.sec.gov/dei/2023/dei-2023.xsd"/>
{_ELEMENTS}
</xs:schema>
"""


def _loc(name: str) -> str:
    href = f"tiny-2024.xsd#tiny_{name}"
    return f'<link:loc xlink:type="locator" xlink:href="{href}" xlink:label="loc_{name}"/>'


def _label(name: str, role: str, lang: str, text: str, n: int) -> str:
    return (
        f'<link:label xlink:type="resource" xlink:label="lab_{name}_{n}" '
        f'xlink:role="http://www.xbrl.org/2003/role/{role}" xml:lang="{lang}">{text}</link:label>'
        f'<link:labelArc xlink:type="arc" xlink:arcrole="http://www.xbrl.org/2003/arcrole/concept-label" '
        f'xlink:from="loc_{name}" xlink:to="lab_{name}_{n}"/>'
    )


_LABELS = (
    ("Revenue", "label", "en-US", "Revenue"),
    ("Revenue", "terseLabel", "en-US", "Revenues"),
    ("Revenue", "label", "fr", "Chiffre d&apos;affaires"),
    ("Revenue", "documentation", "en-US", "Income from &lt;sales&gt; of goods."),
    ("CostOfRevenue", "label", "en-US", "Cost of revenue"),
    ("CostOfRevenue", "negatedLabel", "en-US", "Less: cost of revenue"),
    ("GrossProfit", "label", "en-US", "Gross profit"),
    ("GrossProfit", "totalLabel", "en-US", "Gross profit, total"),
    ("IncomeAbstract", "label", "en-US", "Income [Abstract]"),
)
TINY_LAB = f"""<?xml version="1.0" encoding="UTF-8"?>
<link:linkbase {_NS}>
<link:labelLink xlink:type="extended" xlink:role="http://www.xbrl.org/2003/role/link">
{"".join(_loc(n) for n in sorted({lab[0] for lab in _LABELS}))}
{"".join(_label(n, r, lang, t, i) for i, (n, r, lang, t) in enumerate(_LABELS))}
</link:labelLink>
</link:linkbase>
"""

TINY_REF = f"""<?xml version="1.0" encoding="UTF-8"?>
<link:linkbase {_NS} xmlns:ref="http://www.xbrl.org/2006/ref">

<link:referenceLink xlink:type="extended" xlink:role="http://www.xbrl.org/2003/role/link">
{_loc("Revenue")}
<link:reference xlink:type="resource" xlink:label="ref_Revenue" xlink:role="http://www.xbrl.org/2003/role/presentationRef">
<ref:Publisher>FASB</ref:Publisher><ref:Name>Accounting Standards Codification</ref:Name><ref:Topic>606</ref:Topic><ref:SubTopic>10</ref:SubTopic><ref:Section>50</ref:Section><ref:Paragraph>1</ref:Paragraph>
</link:reference>
<link:referenceArc xlink:type="arc" xlink:arcrole="http://www.xbrl.org/2003/arcrole/concept-reference" xlink:from="loc_Revenue" xlink:to="ref_Revenue"/>
</link:referenceLink>
</link:linkbase>
"""


def _arc(kind: str, arcrole: str, src: str, dst: str, attrs: str = "") -> str:
    return (
        f'<link:{kind}Arc xlink:type="arc" xlink:arcrole="{arcrole}" '
        f'xlink:from="loc_{src}" xlink:to="loc_{dst}" {attrs}/>'
    )


_PARENT_CHILD = "http://www.xbrl.org/2003/arcrole/parent-child"
TINY_PRE = f"""<?xml version="1.0" encoding="UTF-8"?>
<link:linkbase {_NS}>
<link:roleRef roleURI="{_ROLE}/Income" xlink:type="simple" xlink:href="tiny-2024.xsd#Income"/>
<link:presentationLink xlink:type="extended" xlink:role="{_ROLE}/Income">
{"".join(_loc(n) for n in ("IncomeAbstract", "Revenue", "CostOfRevenue", "GrossProfit"))}
{_arc("presentation", _PARENT_CHILD, "IncomeAbstract", "GrossProfit", 'order="3" preferredLabel="http://www.xbrl.org/2003/role/totalLabel"')}
{_arc("presentation", _PARENT_CHILD, "IncomeAbstract", "Revenue", 'order="1"')}
{_arc("presentation", _PARENT_CHILD, "IncomeAbstract", "CostOfRevenue", 'order="2" preferredLabel="http://www.xbrl.org/2003/role/negatedLabel"')}
</link:presentationLink>
</link:linkbase>
"""

_CALC_11 = "https://xbrl.org/2023/arcrole/summation-item"
_CALC_2003 = "http://www.xbrl.org/2003/arcrole/summation-item"
TINY_CAL = f"""<?xml version="1.0" encoding="UTF-8"?>
<link:linkbase {_NS}>
<link:roleRef roleURI="{_ROLE}/Income" xlink:type="simple" xlink:href="tiny-2024.xsd#Income"/>
<link:roleRef roleURI="{_ROLE}/Details" xlink:type="simple" xlink:href="tiny-2024.xsd#Details"/>

<link:calculationLink xlink:type="extended" xlink:role="{_ROLE}/Income">
{"".join(_loc(n) for n in ("Revenue", "CostOfRevenue", "GrossProfit"))}
{_arc("calculation", _CALC_11, "GrossProfit", "Revenue", 'order="1" weight="1"')}
{_arc("calculation", _CALC_11, "GrossProfit", "CostOfRevenue", 'order="2" weight="-1.0"')}
</link:calculationLink>
<link:calculationLink xlink:type="extended" xlink:role="{_ROLE}/Details">
{"".join(_loc(n) for n in ("Revenue", "GrossProfit"))}
{_arc("calculation", _CALC_2003, "Revenue", "GrossProfit", 'order="1" weight="0.5"')}
</link:calculationLink>
</link:linkbase>
"""

_DIM = "http://xbrl.org/int/dim/arcrole"
TINY_DEF = f"""<?xml version="1.0" encoding="UTF-8"?>
<link:linkbase {_NS}>
<link:roleRef roleURI="{_ROLE}/Income" xlink:type="simple" xlink:href="tiny-2024.xsd#Income"/>
<link:arcroleRef arcroleURI="{_DIM}/all" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#all"/>
<link:arcroleRef arcroleURI="{_DIM}/notAll" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#notAll"/>
<link:arcroleRef arcroleURI="{_DIM}/hypercube-dimension" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#hypercube-dimension"/>
<link:arcroleRef arcroleURI="{_DIM}/dimension-domain" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#dimension-domain"/>
<link:arcroleRef arcroleURI="{_DIM}/domain-member" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#domain-member"/>
<link:arcroleRef arcroleURI="{_DIM}/dimension-default" xlink:type="simple" xlink:href="http://www.xbrl.org/2005/xbrldt-2005.xsd#dimension-default"/>
<link:definitionLink xlink:type="extended" xlink:role="{_ROLE}/Income">
{"".join(_loc(n) for n in ("IncomeLineItems", "IncomeTable", "ExcludedTable", "SegmentAxis", "RegionAxis", "SegmentDomain", "WidgetsMember", "GadgetsMember", "Revenue"))}
{_arc("definition", _DIM + "/all", "IncomeLineItems", "IncomeTable", 'order="1" xbrldt:closed="true" xbrldt:contextElement="segment"')}
{_arc("definition", _DIM + "/notAll", "IncomeLineItems", "ExcludedTable", 'order="2" xbrldt:contextElement="scenario"')}
{_arc("definition", _DIM + "/hypercube-dimension", "IncomeTable", "SegmentAxis", 'order="1"')}
{_arc("definition", _DIM + "/hypercube-dimension", "ExcludedTable", "RegionAxis", 'order="1"')}
{_arc("definition", _DIM + "/dimension-domain", "SegmentAxis", "SegmentDomain", 'order="1"')}
{_arc("definition", _DIM + "/dimension-default", "SegmentAxis", "SegmentDomain", 'order="1"')}
{_arc("definition", _DIM + "/domain-member", "SegmentDomain", "WidgetsMember", 'order="1"')}
{_arc("definition", _DIM + "/domain-member", "SegmentDomain", "GadgetsMember", 'order="2" xbrldt:usable="false"')}
{_arc("definition", _DIM + "/domain-member", "IncomeLineItems", "Revenue", 'order="1"')}
</link:definitionLink>
</link:linkbase>
"""
