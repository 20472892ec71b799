"""Service calendars of the demo feeds: weekday/weekend services, public holidays, feed_info."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

FEED_DAYS = 365


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int, country: str) -> dict[date, str]:
    """Public holidays of France ("FR") or of Donostia, Gipuzkoa ("ES"), in `year`."""
    e = easter(year)
    if country == "FR":
        days = {
            date(year, 1, 1): "Jour de l'an", e + timedelta(1): "Lundi de Pâques",
            date(year, 5, 1): "Fête du Travail", date(year, 5, 8): "Victoire 1945",
            e + timedelta(39): "Ascension", e + timedelta(50): "Lundi de Pentecôte",
            date(year, 7, 14): "Fête nationale", date(year, 8, 15): "Assomption",
            date(year, 11, 1): "Toussaint", date(year, 11, 11): "Armistice",
            date(year, 12, 25): "Noël",
        }
    elif country == "ES":
        days = {
            date(year, 1, 1): "Urteberri eguna", date(year, 1, 6): "Errege eguna",
            date(year, 1, 20): "Donostia eguna", e - timedelta(3): "Ostegun santua",
            e - timedelta(2): "Ostiral santua", e + timedelta(1): "Pazko astelehena",
            date(year, 5, 1): "Langileen eguna", date(year, 7, 25): "Santiago eguna",
            date(year, 7, 31): "San Ignazio", date(year, 8, 15): "Andre Mariaren jasokundea",
            date(year, 10, 12): "Espainiako jai nazionala",
            date(year, 11, 1): "Santu guztien eguna",
            date(year, 12, 6): "Konstituzio eguna", date(year, 12, 8): "Sortzez garbia",
            date(year, 12, 25): "Eguberri eguna",
        }
    else:
        raise ValueError(f"unknown holiday country {country!r} (FR or ES)")
    return dict(sorted(days.items()))


def feed_window(start: date) -> tuple[date, date]:
    """First and last service day of every demo feed: `start` .. `start` + 364."""
    return start, start + timedelta(days=FEED_DAYS - 1)


def calendar_tables(
    start: date, *, prefix: str, country: str, closed: tuple[tuple[int, int], ...] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """calendar.txt with services `{prefix}-WD` (Mon-Fri) and `{prefix}-WE` (Sat-Sun) over the
    feed window, and calendar_dates.txt: a weekday holiday runs the weekend service instead;
    `closed` (month, day) days run no service at all."""
    first, last = feed_window(start)
    wd, we = f"{prefix}-WD", f"{prefix}-WE"
    s, e = first.strftime("%Y%m%d"), last.strftime("%Y%m%d")
    calendar = pd.DataFrame([
        {"service_id": wd, "monday": 1, "tuesday": 1, "wednesday": 1, "thursday": 1,
         "friday": 1, "saturday": 0, "sunday": 0, "start_date": s, "end_date": e},
        {"service_id": we, "monday": 0, "tuesday": 0, "wednesday": 0, "thursday": 0,
         "friday": 0, "saturday": 1, "sunday": 1, "start_date": s, "end_date": e},
    ])
    rows = []
    holidays = public_holidays(first.year, country) | public_holidays(last.year, country)
    for day in sorted(holidays):
        if not first <= day <= last:
            continue
        ymd, weekday = day.strftime("%Y%m%d"), day.weekday() < 5
        if (day.month, day.day) in closed:
            rows.append({"service_id": wd if weekday else we, "date": ymd, "exception_type": 2})
        elif weekday:
            rows.append({"service_id": wd, "date": ymd, "exception_type": 2})
            rows.append({"service_id": we, "date": ymd, "exception_type": 1})
    dates = pd.DataFrame(rows, columns=["service_id", "date", "exception_type"])
    return calendar, dates


def feed_info_table(
    start: date, *, publisher: str, url: str, lang: str, email: str, version: str
) -> pd.DataFrame:
    """feed_info.txt: publisher, language, validity window and version."""
    first, last = feed_window(start)
    return pd.DataFrame([{
        "feed_publisher_name": publisher, "feed_publisher_url": url, "feed_lang": lang,
"feed_start_date": first.strftime("%Y%m%d"),
        "feed_end_date": last.strftime("%Y%m%d"), "feed_version": version,
        "feed_contact_email": email,
    }])
