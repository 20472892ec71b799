"""The demo region's networks, along the real Bayonne – Hendaye – Donostia corridor.

Coordinates are close to the real places (stations, piers, squares) but the operators, lines and
timetables are fictional. Interchange stops of different operators are placed with `geo.offset`
relative to each other, so their walking distances are known by construction and listed in
`INTERCHANGES` (tens of metres) and `WALK_LINKS` (a few hundred metres).
"""

from __future__ import annotations

from dataclasses import dataclass

from regie.gtfs.geo import offset

# (first departure minute, end minute (exclusive), headway minutes), minutes after midnight
Periods = tuple[tuple[int, int, int], ...]


def hm(text: str) -> int:
    """'23:40' -> minutes after midnight (hours may exceed 23)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    url: str
    timezone: str
    lang: str
    phone: str
    email: str


@dataclass(frozen=True)
class Line:
    """One route: its stop codes in direction 0, headsigns per direction and service periods."""

    route_id: str
    short_name: str
    long_name: str
    color: str
    text_color: str
    stops: tuple[str, ...]
    headsigns: tuple[str, str]
    periods: dict[str, Periods]
    variant_of: str | None = None  # a short-turn pattern of another route (same route_id)


AGENCIES = {
    "kosta-rail": Agency("KR", "Kosta Rail", "https://kosta-rail.example", "Europe/Paris", "fr",
                         "+33 5 59 00 00 00", "data@kosta-rail.example"),
    "hiribus": Agency("HB", "Hiribus", "https://hiribus.example", "Europe/Madrid", "eu",
                      "+34 943 000 000", "opendata@hiribus.example"),
    "mugabus": Agency("MB", "Mugabus", "https://mugabus.example", "Europe/Paris", "fr",
                      "+33 5 59 11 11 11", "info@mugabus.example"),
    "txingudi-ferry": Agency("TF", "Txingudi Ferry", "https://txingudi-ferry.example",
                             "Europe/Paris", "fr", "+33 5 59 22 22 22", "ferry@txingudi.example"),
}

# --- Kosta Rail: regional rail, route_type 2 -------------------------------------------------
# code -> (name, lat, lon, platforms)
RAIL_STATIONS: dict[str, tuple[str, float, float, int]] = {
    "BAY": ("Bayonne / Baiona", 43.49660, -1.47080, 3),
    "BIA": ("Biarritz", 43.45940, -1.54520, 2),
    "BID": ("Bidart / Bidarte", 43.43760, -1.58180, 2),
    "GUE": ("Guéthary / Getaria", 43.42260, -1.60670, 2),
    "SJL": ("Saint-Jean-de-Luz–Ciboure / Donibane Lohizune", 43.38570, -1.66140, 2),
    "HEN": ("Hendaye / Hendaia", 43.35300, -1.78260, 2),
    "IRU": ("Irun", 43.33930, -1.80100, 2),
    "ERR": ("Errenteria", 43.31170, -1.90000, 2),
    "PAS": ("Pasaia", 43.32050, -1.92280, 2),
    "INT": ("Intxaurrondo", 43.31780, -1.95570, 2),
    "AMA": ("Donostia / San Sebastián – Amara", 43.30740, -1.97950, 2),
    "VIL": ("Villefranque / Milafranga", 43.44650, -1.45870, 2),
    "UST": ("Ustaritz / Uztaritze", 43.40160, -1.45860, 2),
    "CAM": ("Cambo-les-Bains / Kanbo", 43.35940, -1.40030, 2),
}
RAIL_DWELL_MIN = {"HEN": 2, "IRU": 2}  # border stations; 1 minute elsewhere
_K1 = ("BAY", "BIA", "BID", "GUE", "SJL", "HEN", "IRU", "ERR", "PAS", "INT", "AMA")
RAIL_LINES = (
    Line("K1", "K1", "Bayonne – Hendaye – Donostia", "C8102E", "FFFFFF", _K1,
         ("Donostia / San Sebastián", "Bayonne / Baiona"),
         {"WD": ((hm("6:00"), hm("9:00"), 30), (hm("9:00"), hm("16:00"), 60),
                 (hm("16:00"), hm("19:30"), 30), (hm("19:30"), hm("23:00"), 60),
                 (hm("23:35"), hm("24:35"), 60)),  # the late train arrives after midnight
          "WE": ((hm("7:00"), hm("23:00"), 60), (hm("23:35"), hm("24:35"), 60))}),
    Line("K1", "K1", "Bayonne – Hendaye – Donostia", "C8102E", "FFFFFF", _K1[5:],
         ("Donostia / San Sebastián", "Hendaye / Hendaia"),
         {"WD": ((hm("6:15"), hm("9:00"), 30), (hm("16:15"), hm("19:30"), 30))},
         variant_of="K1"),
    Line("K2", "K2", "Bayonne – Cambo-les-Bains", "00843D", "FFFFFF",
         ("BAY", "VIL", "UST", "CAM"),
         ("Cambo-les-Bains / Kanbo", "Bayonne / Baiona"),
         {"WD": ((hm("6:20"), hm("20:30"), 60),), "WE": ((hm("8:20"), hm("20:30"), 120),)}),
)


def platform_position(code: str, number: int) -> tuple[float, float]:
    """Platform `number` of rail station `code`: 10 m apart, 15 m in front of the building."""
    _, lat, lon, count = RAIL_STATIONS[code]
    shift = (number - (count + 1) / 2) * 10.0
    return offset(lat, lon, shift * 0.6 - 15.0 * 0.8, shift * 0.8 + 15.0 * 0.6)


# --- Mugabus: cross-border coaches, route_type 200 (coach service) ---------------------------
_BAY, _SJL, _HEN, _IRU = (RAIL_STATIONS[c][1:3] for c in ("BAY", "SJL", "HEN", "IRU"))
# code -> (name, lat, lon)
COACH_STOPS: dict[str, tuple[str, float, float]] = {
    "BAY": ("Bayonne – Pôle d'échanges gare", *offset(*_BAY, -35.0, 30.0)),
    "BIQ": ("Biarritz – Aéroport / Aireportua", 43.46840, -1.52330),
    "SJL": ("Saint-Jean-de-Luz – Halte routière", *offset(*_SJL, 30.0, 40.0)),
    "HEN": ("Hendaye – Gare / Geltokia", *offset(*_HEN, -30.0, 35.0)),
    "IRU": ("Irun – Geltokia / Estación", *offset(*_IRU, 40.0, -25.0)),
}
# the Donostia bus station: a parent station with numbered bays (dársenas / nasak)
COACH_STATION = ("DON", "Donostia Autobus Geltokia / Estación de Autobuses", 43.31670, -1.97700)
COACH_BAYS = 4


def coach_bay_position(number: int) -> tuple[float, float]:
    """Bay `number` of the Donostia bus station, 12 m apart along the platform."""
    _, _, lat, lon = COACH_STATION
    shift = (number - (COACH_BAYS + 1) / 2) * 12.0
    return offset(lat, lon, shift, shift * 0.3)


COACH_LINES = (
    Line("MB1", "1", "Bayonne – Hendaye – Irun – Donostia", "1D4F91", "FFFFFF",
         ("BAY", "SJL", "HEN", "IRU", "DON:1"),
         ("Donostia", "Bayonne"),
         {"WD": ((hm("6:30"), hm("20:31"), 120),), "WE": ((hm("8:30"), hm("18:31"), 180),)}),
    Line("MB2", "2", "Biarritz Aéroport – Donostia", "F2A900", "000000",
         ("BIQ", "SJL", "HEN", "IRU", "DON:2"),
         ("Donostia", "Biarritz Aéroport"),
         {"WD": ((hm("7:15"), hm("19:16"), 180),), "WE": ((hm("9:15"), hm("17:16"), 240),)}),
)
COACH_DWELL_MIN = {"SJL": 1, "HEN": 2, "IRU": 2}

# --- Txingudi Ferry: Hendaye <-> Hondarribia across the Bidasoa bay, route_type 4 -------------
FERRY_PIERS: dict[str, tuple[str, float, float]] = {
    "HEN": ("Hendaye Gare – Embarcadère / Ontziralekua", *offset(*_HEN, 235.0, -270.0)),
    "SOK": ("Hendaye Port – Sokoburu", 43.37450, -1.78620),
    "HON": ("Hondarribia – Kaia / Muelle", 43.36860, -1.79300),
}
FERRY_LINES = (
    Line("F1", "F1", "Hendaye Gare – Hondarribia", "0098C3", "FFFFFF", ("HEN", "HON"),
         ("Hondarribia", "Hendaye Gare"),
         {"WD": ((hm("7:00"), hm("10:00"), 30), (hm("10:00"), hm("19:00"), 15),
                 (hm("19:00"), hm("21:01"), 30)),
          "WE": ((hm("9:00"), hm("20:01"), 15),)}),
    Line("F2", "F2", "Hendaye Port (Sokoburu) – Hondarribia", "5BC2E7", "000000", ("SOK", "HON"),
         ("Hondarribia", "Hendaye Port"),
         {"WD": ((hm("10:00"), hm("19:01"), 30),), "WE": ((hm("10:00"), hm("20:01"), 20),)}),
)
# a waypoint in the bay so crossings follow the channel rather than the shore
FERRY_WAYPOINT = (43.36200, -1.78950)

# --- Hiribus: Donostia city buses, route_type 3 ----------------------------------------------
_AMA, _INT = RAIL_STATIONS["AMA"][1:3], RAIL_STATIONS["INT"][1:3]
# code -> (Basque name, Spanish name, lat, lon): the fixed stops lines are drawn through
CITY_ANCHORS: dict[str, tuple[str, str, float, float]] = {
    "AMA": ("Amara Geltokia", "Estación de Amara", *offset(*_AMA, 30.0, -35.0)),
    "NOR": ("Iparraldeko Geltokia", "Estación del Norte",
            *offset(*coach_bay_position(1), 25.0, 28.0)),
    "INT": ("Intxaurrondo Geltokia", "Estación de Intxaurrondo", *offset(*_INT, -35.0, 20.0)),
    "BUL": ("Bulebarra", "Boulevard", 43.32220, -1.98460),
    "EAS": ("Easo plaza", "Plaza Easo", 43.31460, -1.98220),
    "GRO": ("Gros – Zurriola", "Gros – Zurriola", 43.32380, -1.97720),
    "ATE": ("Ategorrieta", "Ategorrieta", 43.32280, -1.95900),
    "ANT": ("Antigua", "Antiguo", 43.31500, -2.00000),
    "OND": ("Ondarreta", "Ondarreta", 43.31800, -2.00600),
    "IBA": ("Ibaeta", "Ibaeta", 43.30750, -2.01100),
    "AIE": ("Aiete", "Aiete", 43.30150, -1.99350),
    "EGI": ("Egia", "Egia", 43.31900, -1.97000),
    "LOI": ("Loiola", "Loyola", 43.29850, -1.96600),
    "MAR": ("Martutene", "Martutene", 43.28800, -1.95850),
    "ANO": ("Anoeta", "Anoeta", 43.30100, -1.97450),
    "MIR": ("Miramon", "Miramón", 43.29050, -1.97450),
    "ALT": ("Altza", "Alza", 43.31650, -1.93050),
    "BDB": ("Bidebieta", "Bidebieta", 43.32250, -1.94000),
    "OSP": ("Ospitaleak", "Hospitales", 43.29200, -1.98600),
    "IGA": ("Igara", "Igara", 43.30000, -2.01900),
}
# streets that name the stops between two anchors ("Zurriola hiribidea 14")
CITY_STREETS: dict[frozenset[str], str] = {
    frozenset(pair): street for pair, street in (
        (("INT", "ATE"), "Baratzategi kalea"), (("ATE", "GRO"), "Ategorrieta hiribidea"),
        (("GRO", "BUL"), "Zurriola hiribidea"), (("BUL", "EAS"), "Hondarribia kalea"),
        (("EAS", "ANT"), "Pio XII.aren plaza"), (("ANT", "OND"), "Satrustegi hiribidea"),
        (("ALT", "BDB"), "Altzako Errepidea"), (("BDB", "ATE"), "Berio pasealekua"),
        (("MAR", "LOI"), "Martutene pasealekua"), (("LOI", "ANO"), "Loiolako erribera"),
        (("ANO", "AMA"), "Sancho el Sabio kalea"), (("AMA", "EAS"), "Easo kalea"),
        (("IBA", "ANT"), "Zubieta kalea"), (("ANT", "AIE"), "Aieteko pasealekua"),
        (("AIE", "AMA"), "Errotaburu pasealekua"), (("AMA", "NOR"), "Urbieta kalea"),
        (("NOR", "GRO"), "Kristina Enea"), (("MIR", "ANO"), "Mikeletegi pasealekua"),
        (("NOR", "EGI"), "Egia kalea"), (("EAS", "NOR"), "Prim kalea"),
        (("EGI", "INT"), "Mundaiz kalea"), (("OSP", "ANO"), "Begiristain doktorearen pasealekua"),
        (("LOI", "INT"), "Otxoki kalea"), (("IGA", "IBA"), "Igara bidea"),
        (("IBA", "OND"), "Tolosa hiribidea"), (("OND", "BUL"), "Kontxa pasealekua"),
    )
}
_WD_BUS = ((hm("5:45"), hm("7:00"), 20), (hm("7:00"), hm("9:30"), 10),
           (hm("9:30"), hm("16:30"), 15), (hm("16:30"), hm("19:30"), 10),
           (hm("19:30"), hm("22:00"), 20), (hm("22:00"), hm("23:31"), 30))
_WE_BUS = ((hm("7:00"), hm("10:00"), 20), (hm("10:00"), hm("21:00"), 15),
           (hm("21:00"), hm("24:31"), 30))


def _bus(route_id, short, stops, color, headway_factor=1.0, text_color="FFFFFF"):
    def scale(periods: Periods) -> Periods:
        return tuple((a, b, int(round(h * headway_factor))) for a, b, h in periods)

    first, last = CITY_ANCHORS[stops[0]][0], CITY_ANCHORS[stops[-1]][0]
    return Line(route_id, short, f"{first} – {last}", color, text_color, stops, (last, first),
                {"WD": scale(_WD_BUS), "WE": scale(_WE_BUS)})


CITY_LINES = (
    _bus("HB5", "5", ("INT", "ATE", "GRO", "BUL", "EAS", "ANT", "OND"), "E30613"),
    _bus("HB9", "9", ("ALT", "BDB", "ATE", "GRO", "BUL"), "009EE0", 1.5),
    _bus("HB13", "13", ("MAR", "LOI", "ANO", "AMA", "EAS", "BUL"), "F39200", 1.5),
    _bus("HB17", "17", ("IBA", "ANT", "AIE", "AMA", "NOR", "GRO"), "6F2C91", 2.0),
    _bus("HB21", "21", ("MIR", "ANO", "AMA", "NOR", "EGI"), "95C11F", 2.0, "000000"),
    _bus("HB28", "28", ("OND", "ANT", "EAS", "NOR", "EGI", "INT"), "00A19A", 1.5),
    _bus("HB16", "16", ("IGA", "IBA", "OND", "BUL"), "A4343A", 2.0),
    _bus("HB31", "31", ("OSP", "ANO", "LOI", "INT"), "0069B4", 2.0),
)
CITY_STOP_SPACING_M = 420.0  # target spacing of stops between anchors
CITY_STOP_MERGE_M = 60.0  # a new stop this close to an existing one reuses it

# --- Bizi bike share (GBFS): docking stations at the hubs, the rest spread over the city ------
# id -> (name, lat, lon)
BIKE_HUBS: dict[str, tuple[str, float, float]] = {
    "bizi-amara": ("Amara Geltokia", *offset(*platform_position("AMA", 1), -40.0, 20.0)),
    "bizi-geltokia": ("Autobus Geltokia", *offset(*coach_bay_position(2), 30.0, -25.0)),
    "bizi-bulebarra": ("Bulebarra", *offset(*CITY_ANCHORS["BUL"][2:], 25.0, 20.0)),
}

# --- Interchanges: pairs of stops of different operators tens of metres apart -----------------
# (name, (operator, stop_id or GBFS station_id), (operator, stop_id or station_id))
INTERCHANGES: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("Bayonne station: rail / coach", ("kosta-rail", "KR:BAY:1"), ("mugabus", "MB:BAY")),
    ("Hendaye station: rail / coach", ("kosta-rail", "KR:HEN:1"), ("mugabus", "MB:HEN")),
    ("Irun station: rail / coach", ("kosta-rail", "KR:IRU:2"), ("mugabus", "MB:IRU")),
    ("Amara station: rail / city bus", ("kosta-rail", "KR:AMA:1"), ("hiribus", "HB:AMA")),
    ("Intxaurrondo station: rail / city bus", ("kosta-rail", "KR:INT:1"), ("hiribus", "HB:INT")),
    ("Donostia bus station: coach / city bus", ("mugabus", "MB:DON:1"), ("hiribus", "HB:NOR")),
    ("Amara station: rail / bike share", ("kosta-rail", "KR:AMA:1"), ("bizi", "bizi-amara")),
    ("Donostia bus station: coach / bike share", ("mugabus", "MB:DON:2"),
     ("bizi", "bizi-geltokia")),
    ("Bulebarra: city bus / bike share", ("hiribus", "HB:BUL"), ("bizi", "bizi-bulebarra")),
)
# longer walks between operators (a few hundred metres), for transfer generation
WALK_LINKS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("Hendaye: rail station / ferry pier", ("kosta-rail", "KR:HEN"), ("txingudi-ferry", "TF:HEN")),
    ("Hendaye: coach stop / ferry pier", ("mugabus", "MB:HEN"), ("txingudi-ferry", "TF:HEN")),
)
