"""Names the SEC's inline transformations turn into codes: states, countries, exchanges, filers.

Keys are ``normalized`` names (lower case, accents folded, single spaces, no punctuation, no
leading "the"), so "The Nasdaq Stock Market LLC" and "Nasdaq Stock Market, LLC" meet. The
codes are the enumerations of the dei taxonomy (``stateOrProvinceItemType``,
``countryCodeItemType`` (ISO 3166-1), ``edgarStateCountryItemType``,
``edgarExchangeCodeItemType``, ``filerCategoryItemType``); the names each format accepts are
those of the SEC transformation registry (2015-08-31), with the dei spelling of each name
("Korea, Republic of") besides the registry's ("Republic of Korea", "South Korea").
"""

from __future__ import annotations

import re
import unicodedata

_PUNCTUATION = re.compile(r"[.,'\u2019()]")
_DASHES = re.compile(r"[\u058a\u05be\u2010-\u2015\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def normalized(text: str) -> str:
    """Lower case, accents folded, no punctuation, single spaces, no leading "the"."""
    folded = unicodedata.normalize("NFKD", text.replace("\u00a0", " "))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    words = _SPACES.sub(" ", _PUNCTUATION.sub("", _DASHES.sub("-", plain))).strip().lower()
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
    "MP": "Northern Mariana Islands", "UM": "United States Minor Outlying Islands",
    "AB": "Alberta", "BC": "British Columbia",
    "MB": "Manitoba", "NB": "New Brunswick", "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia", "ON": "Ontario", "NT": "Northwest Territories", "NU": "Nunavut",
    "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
_STATE_ALIASES = {
    "Washington DC": "DC", "Washington D C": "DC", "Newfoundland": "NL",
    "Yukon Territory": "YT", "US Virgin Islands": "VI", "Virgin Islands, U.S.": "VI",
    "Commonwealth of Puerto Rico": "PR", "Samoa": "AS",
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

# ISO 3166-1 code, EDGAR code (-- where there is none), then the names a format accepts
# (the registry's first, the dei documentation's spelling after them); a code may take two
# lines.
_COUNTRIES = """
AF B2 Afghanistan
AX Y6 Åland Islands
AL B3 Albania
DZ B4 Algeria
AS B5 American Samoa
AD B6 Andorra
AO B7 Angola
AI 1A Anguilla
AQ B8 Antarctica
AG B9 Antigua and Barbuda
AR C1 Argentina|Republic of Argentina
AM 1B Armenia
AW 1C Aruba
AU C3 Australia
AT C4 Austria
AZ 1D Azerbaijan
BS C5 Bahamas
BH C6 Bahrain
BD C7 Bangladesh
BB C8 Barbados
BY 1F Belarus
BE C9 Belgium
BZ D1 Belize
BJ G6 Benin
BM D0 Bermuda
BT D2 Bhutan
BO D3 Bolivia
BQ -- Bonaire, Sint Eustatius and Saba
BA 1E Bosnia and Herzegovina
BW B1 Botswana
BV D4 Bouvet Island
BR D5 Brazil|Brasil|Federative Republic of Brazil|Federative Republic of Brasil
IO D6 British Indian Ocean Territory
BN D9 Brunei Darussalam
BG E0 Bulgaria
BF X2 Burkina Faso
BI E2 Burundi
CV E8 Cabo Verde|Cape Verde
KH E3 Cambodia
CM E4 Cameroon
CA Z4 Canada
KY E9 Cayman Islands
CF F0 Central African Republic
TD F2 Chad
CL F3 Chile
CN F4 China|People's Republic of China
CX F6 Christmas Island
CC F7 Cocos Islands|Cocos (Keeling) Islands
CO F8 Colombia|Republic of Colombia
KM F9 Comoros
CD Y3 Democratic Republic of the Congo|Democratic Republic of Congo
CD Y3 Congo, the Democratic Republic of the
CG G0 Congo
CK G1 Cook Islands
CR G2 Costa Rica
CI L7 Côte d'Ivoire
HR 1M Croatia
CU G3 Cuba
CW -- Curaçao
CY G4 Cyprus
CZ 2N Czechia|Czech Republic
DK G7 Denmark|Kingdom of Denmark
DJ 1G Djibouti
DM G9 Dominica
DO G8 Dominican Republic
EC H1 Ecuador
EG H2 Egypt
SV H3 El Salvador
GQ H4 Equatorial Guinea
ER 1J Eritrea
EE 1H Estonia
SZ V6 Eswatini|Swaziland
ET H5 Ethiopia
FK H7 Falkland Islands|Falkland Islands (Malvinas)|Malvinas|Islas Malvinas|Malvinas Islands
FO H6 Faroe Islands
FJ H8 Fiji
FI H9 Finland
FR I0 France
GF I3 French Guiana
PF I4 French Polynesia
TF 2C French Southern Territories
GA I5 Gabon
GM I6 Gambia
GE 2Q Georgia|Georgia, Republic of
DE 2M Germany
GH J0 Ghana
GI J1 Gibraltar
GR J3 Greece
GL J4 Greenland
GD J5 Grenada
GP J6 Guadeloupe
GU GU Guam
GT J8 Guatemala
GG Y7 Guernsey
GN J9 Guinea
GW S0 Guinea-Bissau
GY K0 Guyana
HT K1 Haiti
HM K4 Heard Island and McDonald Islands
VA X4 Holy See|Vatican City|Holy See, The
HN K2 Honduras
HK K3 Hong Kong
HU K5 Hungary
IS K6 Iceland
IN K7 India
ID K8 Indonesia
IR K9 Iran|Islamic Republic of Iran|Iran, Islamic Republic of
IQ L0 Iraq
IE L2 Ireland
IM Y8 Isle of Man
IL L3 Israel
IT L6 Italy
JM L8 Jamaica
JP M0 Japan
JE Y9 Jersey
JO M2 Jordan
KZ 1P Kazakhstan
KE M3 Kenya
KI J2 Kiribati
KP M4 North Korea|Democratic People's Republic of Korea
KP M4 Korea, Democratic People's Republic of
KR M5 South Korea|Republic of Korea|Korea, Republic of
KW M6 Kuwait
KG 1N Kyrgyzstan
LA M7 Lao People's Democratic Republic|Laos
LV 1R Latvia
LB M8 Lebanon
LS M9 Lesotho
LR N0 Liberia
LY N1 Libya|State of Libya|Libyan Arab Jamahiriya
LI N2 Liechtenstein
LT 1Q Lithuania
LU N4 Luxembourg|Grand Duchy of Luxembourg|Duchy of Luxembourg
MO N5 Macao|Macau
MG N6 Madagascar
MW N7 Malawi
MY N8 Malaysia
MV N9 Maldives
ML O0 Mali
MT O1 Malta
MH 1T Marshall Islands|Republic of the Marshall Islands|Republic of Marshall Islands
MQ O2 Martinique
MR O3 Mauritania
MU O4 Mauritius
YT 2P Mayotte
MX O5 Mexico|United Mexican States
FM 1K Micronesia|Federated States of Micronesia|Micronesia, Federated States of
MD 1S Moldova|Republic of Moldova
MC O9 Monaco
MN P0 Mongolia
ME Z5 Montenegro
MS P1 Montserrat
MA P2 Morocco
MZ P3 Mozambique
MM E1 Myanmar
NA T6 Namibia
NR P5 Nauru
NP P6 Nepal
NL P7 Netherlands
-- P8 Netherlands Antilles
NC 1W New Caledonia
NZ Q2 New Zealand
NI Q3 Nicaragua
NE Q4 Niger
NG Q5 Nigeria
NU Q6 Niue
NF Q7 Norfolk Island
MK 1U North Macedonia|Republic of North Macedonia
MP 1V Northern Mariana Islands
NO Q8 Norway
OM P4 Oman
PK R0 Pakistan
PW 1Y Palau
PS 1X Palestine|State of Palestine|Palestinian Territory, Occupied
PA R1 Panama
PG R2 Papua New Guinea
PY R4 Paraguay
PE R5 Peru
PH R6 Philippines
PN R8 Pitcairn
PL R9 Poland
PT S1 Portugal
PR PR Puerto Rico
QA S3 Qatar
RE S4 Réunion
RO S5 Romania
RU 1Z Russian Federation
RW S6 Rwanda
BL Z0 Saint Barthélemy
SH U8 Saint Helena|Saint Helena, Ascension and Tristan da Cunha
SH U8 Saint Helena, Ascension and Tristan
KN U7 Saint Kitts and Nevis
LC U9 Saint Lucia
MF Z1 Saint Martin|Saint Martin (French part)
PM V0 Saint Pierre and Miquelon
VC V1 Saint Vincent|Saint Vincent and the Grenadines|Saint Vincent and Grenadines
WS Y0 Samoa
SM S8 San Marino
ST S9 Sao Tome and Principe
SA T0 Saudi Arabia
SN T1 Senegal
RS Z2 Serbia
SC T2 Seychelles
SL T8 Sierra Leone
SG U0 Singapore
SX -- Sint Maarten
SK 2B Slovakia
SI 2A Slovenia
SB D7 Solomon Islands
SO U1 Somalia
ZA T3 South Africa|Republic of South Africa
GS 1L South Georgia and the South Sandwich Islands|South Georgia and South Sandwich Islands
SS -- South Sudan
ES U3 Spain|Kingdom of Spain|España
LK F1 Sri Lanka
SD V2 Sudan
SR V3 Suriname
SJ L9 Svalbard and Jan Mayen
SE V7 Sweden
CH V8 Switzerland
SY V9 Syria|Syrian Arab Republic
TW F5 Taiwan|Taiwan, Province of China
TJ 2D Tajikistan
TZ W0 Tanzania|United Republic of Tanzania|Tanzania, United Republic of
TH W1 Thailand
TL Z3 Timor-Leste
TG W2 Togo
TK W3 Tokelau
TO W4 Tonga
TT W5 Trinidad and Tobago
TN W6 Tunisia
TR W8 Turkey|Türkiye
TM 2E Turkmenistan
TC W7 Turks and Caicos Islands
TV 2G Tuvalu
UG W9 Uganda
UA 2H Ukraine
AE C0 United Arab Emirates|UAE
GB X0 United Kingdom|UK|Britain|Great Britain|England|England and Wales
GB X0 United Kingdom of Great Britain and Northern Ireland
UM 2J United States Minor Outlying Islands
US X1 United States|United States of America|USA
UY X3 Uruguay
UZ 2K Uzbekistan
VU 2L Vanuatu
VE X5 Venezuela
VN Q1 Viet Nam
VG D8 British Virgin Islands|Virgin Islands, British
VI VI U.S. Virgin Islands|Virgin Islands, U.S.|Virgin Islands, US
WF X8 Wallis and Futuna
EH U5 Western Sahara
YE T7 Yemen
ZM Y4 Zambia
ZW Y5 Zimbabwe
-- XX Unknown
"""
_CANADA = {
    "A0": "Alberta", "A1": "British Columbia", "A2": "Manitoba", "A3": "New Brunswick",
    "A4": "Newfoundland and Labrador", "A5": "Nova Scotia", "A6": "Ontario",
    "A7": "Prince Edward Island", "A8": "Quebec", "A9": "Saskatchewan", "B0": "Yukon",
}  # fmt: skip


def _country_codes(column: int) -> dict[str, str]:
    codes = {}
    for line in _COUNTRIES.strip().splitlines():
        iso, edgar, names = line.split(" ", 2)
        code = (iso, edgar)[column]
        if code != "--":
            codes.update((normalized(name), code) for name in names.split("|"))
    return codes


COUNTRY_CODES: dict[str, str] = _country_codes(0)
"""``countrynameen``: country names to ISO 3166-1 alpha-2 codes."""

EDGAR_COUNTRY_CODES: dict[str, str] = {
    **_country_codes(1),
    **{normalized(f"{name}{tail}"): code for code, name in _CANADA.items()
       for tail in ("", ", Canada")},
    normalized("Newfoundland"): "A4",
    normalized("Newfoundland, Canada"): "A4",
}  # fmt: skip
"""``edgarprovcountryen``: countries, US territories and Canadian provinces to EDGAR codes.

EDGAR's own state and country codes (dei ``edgarStateCountryItemType``); the registry takes
no US state here (``stateprovnameen`` is for those), so "Georgia" is the country.
"""
