"""Filters of a search, by source and by date, given as parameters (``source``, ``since``,
``until``) or written in the query (``source:X``, ``-source:X``, ``date:2023-01``,
``date:>2023-01-01``, ``date:[2021-01-01 to 2021-12-31]``), with one meaning either way:
a source is matched exactly (case, accents and spacing aside) and never searched in the
text; a date bound is a day, month or year, ``since`` counting from its start and ``until``
to its end."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from whoosh import query as wq

from .errors import QueryError
from .schema import PUBLISHED, SOURCE_KEY, source_key

DateLike = date | datetime | str | None
FILTER_FIELDS = ("source", "date", "published")  # fields of the query that are filters

# source:word, source:"a few words", date:<spec>, each maybe negated (-source:x, NOT source:x)
_FILTER = re.compile(r'(?<![^\s(])(?P<neg>-|NOT\s+)?(?P<field>source|date|published):'
                     r'(?P<value>"[^"]*"|\[[^\]]*\]?|[^\s)]*)', re.IGNORECASE)
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)(.*)$")
_RANGE = re.compile(r"^\[\s*(\S*?)\s*(?:\bto\b|\bTO\b)\s*(\S*?)\s*\]$")


@dataclass(frozen=True)
class Filters:
    """Sources (any of ``sources``; none of ``excluded``; each one's exact-match key) and a
    date range (naive UTC, both ends included)."""

    sources: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def narrows(self) -> bool:
        """Whether these filters leave some articles out."""
        return bool(self.sources or self.excluded or self.since or self.until)

    def query(self, source: str | None = None, since: DateLike = None, until: DateLike = None) -> wq.Query | None:
        """The filter query of these filters and a search's own ``source``, ``since`` and
        ``until`` parameters (both must hold); None when nothing is filtered."""
        start = _latest(self.since, to_datetime(since))
        end = _earliest(self.until, to_datetime(until, end_of_day=True))
        if start and end and start > end:
            raise QueryError(f"since ({start.date()}) is after until ({end.date()}).", parameters=("since", "until"))
        parts: list[wq.Query] = []
        if start or end:
            parts.append(wq.DateRange(PUBLISHED, start, end))
        if source:
            parts.append(wq.Term(SOURCE_KEY, source_key(source)))
        if self.sources:
            parts.append(wq.Or([wq.Term(SOURCE_KEY, key) for key in self.sources]))
        parts += [wq.Not(wq.Term(SOURCE_KEY, key)) for key in self.excluded]
        return wq.And(parts) if len(parts) > 1 else parts[0] if parts else None


def extract_filters(text: str) -> tuple[str, Filters]:
    """The query text without its ``source:`` and ``date:`` filters, and those filters.
    Raises QueryError for a date it cannot read or an empty source."""
    sources: list[str] = []
    excluded: list[str] = []
    since = until = None
    kept, at = [], 0
    for match in _FILTER.finditer(text):
        if text.count('"', 0, match.start()) % 2:  # inside a quoted phrase
            continue
        kept.append(text[at:match.start()])
        at = match.end()
        value, negated = match["value"], bool(match["neg"])
        if match["field"].lower() == "source":
            name = value.strip('"').strip()
            if not name:
                raise QueryError("source: needs a source name, e.g. source:\"Le Monde\".")
            (excluded if negated else sources).append(source_key(name))
            continue
        if negated:
            raise QueryError(f"A date filter cannot be negated: {match.group()}")
        start, end = date_range(value)
        since, until = _latest(since, start), _earliest(until, end)
    if since and until and since > until:
        raise QueryError(f"The dates of the query leave no day: {since.date()} is after {until.date()}.")
    return "".join(kept) + text[at:], Filters(tuple(sources), tuple(excluded), since, until)


def date_range(spec: str) -> tuple[datetime | None, datetime | None]:
    """The first and last moments (naive UTC) of a ``date:`` filter: a day, month or year
    (2023-01-23, 2023-01, 2023), a comparison with one (>2023-01-01, <=2023), or a range
    [2021-01-01 to 2021-12-31] whose ends may be left open."""
    if m := _COMPARISON.match(spec):
        first, last = _period(m[2], spec)
        return {">": (last + timedelta(microseconds=1), None), ">=": (first, None),
                "<": (None, first - timedelta(microseconds=1)), "<=": (None, last)}[m[1]]
    if m := _RANGE.match(spec):
        start = _period(m[1], spec)[0] if m[1] else None
        end = _period(m[2], spec)[1] if m[2] else None
        if start and end and start > end:
            raise QueryError(f"The date range {spec} ends before it starts.")
        if not (start or end):
            raise QueryError(f"The date range {spec} has no date: use date:[2021-01-01 to 2021-12-31].")
        return start, end
    return _period(spec, spec)


def _period(value: str, spec: str) -> tuple[datetime, datetime]:
    m = _PERIOD.match(value.strip())
    try:
        if m is None:
            raise ValueError(value)
        year, month, day = int(m[1]), int(m[2] or 0), int(m[3] or 0)
        first = datetime(year, month or 1, day or 1)
        last_day = day or calendar.monthrange(year, month or 12)[1]
        return first, datetime.combine(date(year, month or 12, last_day), time.max)
    except ValueError:
        raise QueryError(f"Invalid date in date:{spec}: use YYYY-MM-DD, YYYY-MM or YYYY, "
                         "e.g. date:>2023-01-01 or date:[2021-01-01 to 2021-12-31].") from None


def to_datetime(value: DateLike, *, end_of_day: bool = False) -> datetime | None:
    """A date bound as naive UTC (Whoosh's form). A bare date as ``until`` means its end."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value.strip() else date.fromisoformat(value)
        except ValueError as exc:
            raise QueryError(f"Invalid date {value!r}: use YYYY-MM-DD.") from exc
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _latest(*values: Any) -> Any:
    return max((v for v in values if v is not None), default=None)


def _earliest(*values: Any) -> Any:
    return min((v for v in values if v is not None), default=None)
