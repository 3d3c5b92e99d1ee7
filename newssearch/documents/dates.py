"""Dates as news files write them: ISO 8601, RFC 1123, and French dates written as text.

Every function returns an aware UTC datetime, or None when the text is not a valid date.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or datetime to an aware UTC datetime (naive means UTC)."""
    return _from_iso(value, timezone.utc)


def parse_local_date(value: str) -> datetime | None:
    """An ISO 8601 date or datetime written by a French page: a zone is honoured, a time
    without one is Europe/Paris time, and a date alone is midnight UTC of that day."""
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return _from_iso(value, PARIS)
    return _from_iso(value, timezone.utc)


def _from_iso(value: str, naive_zone: tzinfo) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=naive_zone)
    return when.astimezone(timezone.utc)


def parse_rfc1123(value: str) -> datetime | None:
    """``Mon, 23 Jan 2023 11:36:09 GMT`` to an aware UTC datetime."""
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError):
        return None


_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven|sam|dim)\.?,?\s+"
_DAY_MONTH_YEAR = (r"(?:(?P<day>\d{1,2})(?:er|re)?\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{4})"
                   r"|(?P<nday>\d{1,2})[/.](?P<nmonth>\d{1,2})[/.](?P<nyear>\d{4}))")
_TIME = (r"(?:\s*(?:,|a|-)?\s*(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?(?::(?P<second>\d{2}))?"
         r"(?:\s*(?P<zone>utc|gmt|z|[+-]\d{2}:?\d{2}))?)?")
_DATE = f"(?:{_WEEKDAY})?{_DAY_MONTH_YEAR}{_TIME}"
_PREFIX = r"(?:(?:publie|mise? a jour|modifie|actualise)\s*:?\s+)?(?:le\s+)?"
_FULL = re.compile(rf"{_PREFIX}{_DATE}\.?", re.ASCII)
_SEARCH = re.compile(rf"(?<!\d){_DATE}(?![\d:a-z])", re.ASCII)
_DATE_LINE_CHARS = 80  # a longer line is a sentence that mentions a date, not a date line


def parse_french_date(text: str, *, search: bool = False) -> datetime | None:
    """A French date written as text to an aware UTC datetime, or None.

    Reads ``23 janvier 2023``, ``lundi 23 janv. 2023 à 11h36``, ``1er mars 2022``,
    ``23/01/2023 11:36``, ``Publié le 23/01/2023 à 11:36 UTC``: accents, case and
    abbreviated months or weekdays do not matter. With ``search`` the first valid date
    anywhere in ``text`` is returned; without it the whole text must be the date.

    Time zones: a time without a zone is Europe/Paris local time (through ``zoneinfo``,
    summer time included) and is converted to UTC; ``UTC``, ``GMT``, ``Z`` or an offset
    such as ``+02:00`` are honoured. A date without a time is midnight UTC of that day, so
    that its calendar date stays the one written (midnight in Paris would be the day
    before in UTC).
    """
    folded = _fold(text)
    if not search:
        match = _FULL.fullmatch(folded)
        return _to_datetime(match) if match else None
    for match in _SEARCH.finditer(folded):
        if (when := _to_datetime(match)) is not None:
            return when
    return None


def parse_date_line(line: str) -> datetime | None:
    """The date of a line that is a French date and nothing else (``Publié le 23 janvier
    2023 à 11h36``), as under the title of a text file or a web page."""
    line = line.strip()
    return parse_french_date(line) if len(line) <= _DATE_LINE_CHARS else None


def _fold(text: str) -> str:
    """Lower case, no accents, one space between words (``à`` becomes ``a``, ``1ᵉʳ`` ``1er``)."""
    text = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def _to_datetime(match: re.Match[str]) -> datetime | None:
    if match["month"] is not None:
        month = _MONTHS.get(match["month"])
        day, year = match["day"], match["year"]
    else:
        month = int(match["nmonth"])
        day, year = match["nday"], match["nyear"]
    if month is None:
        return None
    try:
        if match["hour"] is None:
            return datetime(int(year), month, int(day), tzinfo=timezone.utc)
        local = datetime(int(year), month, int(day), int(match["hour"]), int(match["minute"] or 0),
                         int(match["second"] or 0), tzinfo=_zone(match["zone"]))
    except ValueError:  # 31 février, 25h, an offset of 24 hours or more
        return None
    return local.astimezone(timezone.utc)


def _zone(name: str | None) -> timezone | ZoneInfo:
    if name is None:
        return PARIS
    if name in ("utc", "gmt", "z"):
        return timezone.utc
    sign = -1 if name[0] == "-" else 1
    digits = name[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
