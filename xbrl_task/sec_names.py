"""Names the SEC's inline transformations turn into EDGAR codes: states, exchanges, filers.

Keys are ``normalized`` names (lower case, single spaces, no punctuation, no leading "the"),
so "The Nasdaq Stock Market LLC" and "Nasdaq Stock Market, LLC" meet. The codes are the
enumerations of the dei taxonomy (``stateOrProvinceItemType``, ``edgarExchangeCodeItemType``,
``filerCategoryItemType``).
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[.,'\u2019()]")
_SPACES = re.compile(r"\s+")


def normalized(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed, a leading "the" removed."""
    words = _SPACES.sub(" ", _PUNCTUATION.sub("", text.replace("\u00a0", " "))).strip().lower()
    return words[4:] if words.startswith("the ") else words


_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
    "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands", "AB": "Alberta", "BC": "British Columbia",
    "MB": "Manitoba", "NB": "New Brunswick", "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia", "ON": "Ontario", "NT": "Northwest Territories", "NU": "Nunavut",
    "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
_STATE_ALIASES = {
    "Washington DC": "DC", "Washington D C": "DC", "Québec": "QC", "Newfoundland": "NL",
    "Yukon Territory": "YT", "US Virgin Islands": "VI", "Commonwealth of Puerto Rico": "PR",
}  # fmt: skip
STATE_CODES: dict[str, str] = {
    normalized(name): code
    for name, code in (*((n, c) for c, n in _STATES.items()), *_STATE_ALIASES.items())
}

_EXCHANGES = {
    "NYSE": ("New York Stock Exchange", "New York Stock Exchange LLC", "NYSE"),
    "NYSEAMER": ("NYSE American", "NYSE American LLC", "NYSE MKT", "NYSE MKT LLC"),
    "NYSEArca": ("NYSE Arca", "NYSE Arca Inc", "NYSE Arca, Inc."),
    "NYSENAT": ("NYSE National", "NYSE National Inc"),
    "NASDAQ": (
        "Nasdaq Stock Market", "Nasdaq Stock Market LLC", "NASDAQ", "Nasdaq Global Select Market",
        "Nasdaq Global Market", "Nasdaq Capital Market", "NASDAQ Stock Market LLC",
    ),
    "BX": ("Nasdaq BX", "Nasdaq BX Inc"),
    "Phlx": ("Nasdaq PHLX", "Nasdaq PHLX LLC"),
    "GEMX": ("Nasdaq GEMX", "Nasdaq GEMX LLC"),
    "ISE": ("Nasdaq ISE", "Nasdaq ISE LLC"),
    "MRX": ("Nasdaq MRX", "Nasdaq MRX LLC"),
    "BOX": ("BOX Exchange", "BOX Exchange LLC"),
    "CBOE": ("Cboe Exchange", "Cboe Exchange Inc", "Chicago Board Options Exchange"),
    "C2": ("Cboe C2 Exchange", "Cboe C2 Exchange Inc"),
    "CboeBYX": ("Cboe BYX Exchange", "Cboe BYX Exchange Inc"),
    "CboeBZX": ("Cboe BZX Exchange", "Cboe BZX Exchange Inc"),
    "CboeEDGA": ("Cboe EDGA Exchange", "Cboe EDGA Exchange Inc"),
    "CboeEDGX": ("Cboe EDGX Exchange", "Cboe EDGX Exchange Inc"),
    "CHX": ("Chicago Stock Exchange", "Chicago Stock Exchange Inc"),
    "IEX": ("Investors Exchange", "Investors Exchange LLC"),
    "MIAX": (
        "Miami International Securities Exchange",
        "Miami International Securities Exchange LLC",
    ),
    "PEARL": ("MIAX PEARL", "MIAX PEARL LLC"),
    "NONE": ("None", "No Trading Symbol", "Not applicable"),
}  # fmt: skip
EXCHANGE_CODES: dict[str, str] = {
    normalized(name): code for code, names in _EXCHANGES.items() for name in names
}

FILER_CATEGORIES: dict[str, str] = {
    normalized(name): name
    for name in ("Large Accelerated Filer", "Accelerated Filer", "Non-accelerated Filer")
}
