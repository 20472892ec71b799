"""Bizi, the Donostia bike share, as a static GBFS 2.3 snapshot (gbfs.json + three feeds)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from regie.demo import network as net
from regie.demo.citybus import base_network
from regie.gtfs.atomic import write_atomic
from regie.gtfs.geo import haversine_m, offset

GBFS_VERSION = "2.3"
SYSTEM_ID = "bizi"
LANGUAGE = "es"
TIMEZONE = "Europe/Madrid"
FEEDS = ("system_information", "station_information", "station_status")
TTL = {"gbfs": 3600, "system_information": 3600, "station_information": 3600,
       "station_status": 60}
MIN_SPACING_M = 550.0


def snapshot_time(start: date) -> int:
    """POSIX time of the snapshot: 08:00 local time on the start date."""
    return int(datetime.combine(start, time(8, 0), tzinfo=ZoneInfo(TIMEZONE)).timestamp())


def stations(rng: np.random.Generator) -> list[dict]:
    """Docking stations: the hubs of `network.BIKE_HUBS`, then one 25-60 m from every city bus
    stop that is at least `MIN_SPACING_M` from the stations placed so far."""
    out = [{"station_id": sid, "name": name, "lat": lat, "lon": lon}
           for sid, (name, lat, lon) in net.BIKE_HUBS.items()]
    city_stops, _ = base_network()
    for stop in sorted(city_stops, key=lambda s: s.code):
        d = haversine_m(stop.lat, stop.lon, [s["lat"] for s in out], [s["lon"] for s in out])
        angle, dist = rng.uniform(0, 2 * np.pi), rng.uniform(25.0, 60.0)
        if d.min() < MIN_SPACING_M:
            continue
        lat, lon = offset(stop.lat, stop.lon, dist * np.cos(angle), dist * np.sin(angle))
        out.append({"station_id": f"bizi-{stop.code.lower()}", "name": stop.name,
                    "lat": lat, "lon": lon})
    for s in out:
        s["capacity"] = int(rng.integers(12, 31))
    return out


def gbfs_documents(start: date, rng: np.random.Generator, base_url: str) -> dict[str, dict]:
    """file name -> JSON document of the Bizi system (URLs under `{base_url}/bizi/`)."""
    updated = snapshot_time(start)
    base = base_url.rstrip("/")
    docs: dict[str, dict] = {}

    def wrap(name: str, data: dict) -> dict:
        return {"last_updated": updated, "ttl": TTL[name], "version": GBFS_VERSION, "data": data}

    feeds = [{"name": f, "url": f"{base}/{SYSTEM_ID}/{f}.json"} for f in FEEDS]
    docs["gbfs.json"] = wrap("gbfs", {LANGUAGE: {"feeds": feeds}})
    docs["system_information.json"] = wrap("system_information", {
        "system_id": SYSTEM_ID, "language": LANGUAGE, "name": "Bizi",
        "short_name": "Bizi", "operator": "Bizi bike share", "url": "https://bizi.example",
        "purchase_url": "https://bizi.example/alta", "start_date": "2024-01-01",
        "phone_number": "+34943000111", "email": "bizi@bizi.example",
        "feed_contact_email": "bizi@bizi.example", "timezone": TIMEZONE,
        "license_url": "https://creativecommons.org/publicdomain/zero/1.0/",
    })
    placed = stations(rng)
    docs["station_information.json"] = wrap("station_information", {"stations": [
        {"station_id": s["station_id"], "name": s["name"], "lat": round(s["lat"], 6),
         "lon": round(s["lon"], 6), "capacity": s["capacity"],
         "rental_methods": ["key", "creditcard", "phone"], "is_virtual_station": False}
        for s in placed]})
    status = []
    for s in placed:
        disabled = int(rng.integers(0, 3))
        bikes = int(rng.integers(0, s["capacity"] - disabled + 1))
        if s["station_id"] in net.BIKE_HUBS:  # interchanges always rent and return: the demo's journeys use them
            bikes = min(max(bikes, 1), s["capacity"] - disabled - 1)
        status.append({
            "station_id": s["station_id"], "num_bikes_available": bikes,
            "num_bikes_disabled": disabled,
            "num_docks_available": s["capacity"] - bikes - disabled,
            "is_installed": True, "is_renting": True, "is_returning": True,
            "last_reported": updated - int(rng.integers(0, 900)),
        })
    docs["station_status.json"] = wrap("station_status", {"stations": status})
    return docs


def write_gbfs(folder: Path, docs: dict[str, dict]) -> list[Path]:
    """Write each document as UTF-8 JSON (2-space indent, trailing newline), atomically."""
    paths = []
    for name in sorted(docs):
        text = json.dumps(docs[name], ensure_ascii=False, indent=2) + "\n"
        path = Path(folder) / name
        write_atomic(path, text.encode())
        paths.append(path)
    return paths
