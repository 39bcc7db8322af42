"""Calendar months as the report names them: "2026-11" in, the first day of the month out.

Kept apart from report.data (which imports the query layer) so that the CLI checks ``--month`` at
once, before any heavy import.
"""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError with a one-line reason otherwise."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ValueError(f"--month {text!r}: write the month as YYYY-MM, e.g. 2026-11")
    return date(int(m.group(1)), int(m.group(2)), 1)


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def previous_month(d: date) -> date:
    return date(d.year - (d.month == 1), (d.month - 2) % 12 + 1, 1)
