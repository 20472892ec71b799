"""The links every page of the pool carries: back to the overview, to the fees, the downloads and
the journey planner, each to the page in the same language, as relative links (pages work from
file:// as well as over HTTP).

Where the pages live under the data directory (`regie.store.paths.Paths.data_dir`):
- the overview: `reports/index.html`; operators' reports `reports/<operator>/<feed>/<version>/report.html`;
- the fees: `fees/<year>/summary.html`, statements beside it;
- the downloads (the portal): `releases/latest/site/index.html`;
- the journey planner: `/plan` of `regie serve` (only over HTTP: the one absolute link).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote

from regie.pages.i18n import N_, page_name

OVERVIEW = N_("Overview")
FEES = N_("Fees")
DOWNLOADS = N_("Downloads")
PLANNER = N_("Journey planner")
PLANNER_URL = "/plan"


class NavLink(TypedDict):
    href: str
    label: str
    current: bool


def relative_href(page: Path, target: Path) -> str:
    """The URL of `target` relative to the folder of `page` (both file paths), percent-encoded;
    symbolic links are kept (`releases/latest/...` stays `latest`)."""
    relative = os.path.relpath(os.path.abspath(target), os.path.dirname(os.path.abspath(page)))
    return quote(Path(relative).as_posix())


def overview_path(data_dir: Path) -> Path:
    return Path(data_dir) / "reports" / "index.html"


def fees_summary_path(data_dir: Path, fee_year: int) -> Path:
    return Path(data_dir) / "fees" / str(fee_year) / "summary.html"


def latest_fee_year(data_dir: Path) -> int | None:
    """The latest year whose fee summary is written, if any."""
    years = [int(path.parent.name) for path in (Path(data_dir) / "fees").glob("*/summary.html")
             if path.parent.name.isdigit()]
    return max(years, default=None)


def downloads_path(data_dir: Path) -> Path:
    return Path(data_dir) / "releases" / "latest" / "site" / "index.html"


def site_nav(page: Path, data_dir: Path, *, language: str, languages: list[str] | tuple[str, ...],
             fee_year: int | None = None, planner: bool = False) -> list[NavLink]:
    """The navigation of `page` (a path under `data_dir`): the overview always; the fee summary
    of `fee_year` (default: the latest written) and the downloads when they exist on disk; the planner when `planner` (the pool
    has a journey graph). Links point to the `language` version of each page."""
    page = Path(page)
    targets = [(OVERVIEW, overview_path(data_dir))]
    fee_year = fee_year if fee_year is not None else latest_fee_year(data_dir)
    if fee_year is not None and fees_summary_path(data_dir, fee_year).is_file():
        targets.append((FEES, fees_summary_path(data_dir, fee_year)))
    if downloads_path(data_dir).is_file():
        targets.append((DOWNLOADS, downloads_path(data_dir)))
    links: list[NavLink] = []
    for label, target in targets:
        localised = target.with_name(page_name(target.name, language, languages))
        localised = localised if localised.is_file() or not target.is_file() else target  # written in one language
        links.append({"href": relative_href(page, localised), "label": label,
                      "current": os.path.abspath(localised) == os.path.abspath(page)})
    if planner:
        links.append({"href": PLANNER_URL, "label": PLANNER, "current": False})
    return links
