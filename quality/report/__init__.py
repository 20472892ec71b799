"""Quality reports: JSON for machines, HTML for the authorities and operators who read them.

    write_report_json(outcome, path, *, extra=None)
    write_report_html(outcome, path, *, history, settings, title, languages, publication, data_dir)
    write_overview_html(rows, path, *, region_name, as_of, languages, data_dir)

The HTML pages work offline: Leaflet and Chart.js are vendored in `static/` (see its README) and
copied next to the pages. Each page is written in each of the region's languages (one file per
language, a switch of links: `regie.pages.i18n`).
"""

from quality.report.html_report import Publication, copy_static, regional_feed_publication, write_report_html
from quality.report.json_report import report_dict, write_report_json
from quality.report.overview_page import OVERVIEW_KEYS, write_overview_html

__all__ = [
    "OVERVIEW_KEYS",
    "Publication",
    "copy_static",
    "regional_feed_publication",
    "report_dict",
    "write_overview_html",
    "write_report_html",
    "write_report_json",
]
