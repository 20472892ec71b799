"""Quality reports: JSON for machines, HTML for the authorities and operators who read them.

    write_report_json(outcome, path, *, extra=None)
    write_report_html(outcome, path, *, history, settings, title)
    write_overview_html(rows, path, *, region_name, as_of)

The HTML pages work offline: Leaflet and Chart.js are vendored in `static/` (see its README) and
copied next to the pages.
"""

from quality.report.html_report import OVERVIEW_KEYS, copy_static, write_overview_html, write_report_html
from quality.report.json_report import report_dict, write_report_json

__all__ = [
    "OVERVIEW_KEYS",
    "copy_static",
    "report_dict",
    "write_overview_html",
    "write_report_html",
    "write_report_json",
]
