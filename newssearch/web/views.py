"""What the templates show, shaped from the library's dataclasses: text cut at its match
spans (the templates escape each piece and mark the matches), dates, safe links, pages and
the timeline chart. No ranking or counting here: only layout."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit

from ..snippets import Span
from .params import SearchParams

Segment = tuple[str, bool]  # a piece of text, and whether it is a query match


def segments(text: str, spans: Iterable[Span]) -> list[Segment]:
    """``text`` cut into pieces at ``spans``, matches flagged; overlapping or out-of-range
    spans are clipped, so any spans give back exactly ``text``."""
    pieces: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def iso_date(value: datetime | None) -> str:
    """2023-01-23, as the CLI shows dates; empty when unknown."""
    return value.date().isoformat() if value else ""


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a web address; None for anything else (``javascript:``, ``data:``,
    a bare path): article data is untrusted and must not become a script link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def file_name(path: str) -> str:
    """The last part of an article's file path, shown when it has no source."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path


def host_of(url: str) -> str:
    """The site of a link, shown instead of the whole address."""
    host = urlsplit(url).netloc
    return host[4:] if host.startswith("www.") else host


def article_href(article_id: str, params: SearchParams) -> str:
    """The article page, with the search along for highlighting and the way back."""
    search = params.query_string()
    return "/article?" + urlencode([("id", article_id)]) + (f"&{search}" if search else "")


def query_string(**values: object) -> str:
    """A new search's URL parameters."""
    return SearchParams().query_string(**values)


def filter_fields(params: SearchParams) -> list[tuple[str, str]]:
    """The filters of ``params`` as form fields, so that a new search keeps them."""
    kept = SearchParams(since=params.since, until=params.until, source=params.source, sort=params.sort,
                        mode=params.mode, all_versions=params.all_versions)
    return kept.pairs()


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    first: int  # rank of the first hit shown
    last: int


def pager(total: int, page: int, limit: int, shown: int) -> Pager:
    pages = max(1, -(-total // limit))
    first = (page - 1) * limit + 1 if shown else 0
    return Pager(page=page, pages=pages, first=first, last=first + shown - 1 if shown else 0)


@dataclass(frozen=True)
class Bar:
    label: str  # "2023-01"
    count: int
    x: float
    width: float
    height: float
    since: date
    until: date


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    width: int
    height: int
    peak: int
    first: str
    last: str
    ticks: list[tuple[float, str]]  # (x, year) at each January


CHART_WIDTH, CHART_HEIGHT = 300, 80
SOURCES_SHOWN = 10  # the others behind "N more sources"


def timeline(months: Sequence[tuple[str, int]]) -> Timeline | None:
    """Monthly hit counts as bars of an SVG chart, empty months included so that time runs
    evenly; None when no hit has a date."""
    counts = {label: n for label, n in months if _month(label)}
    if not counts:
        return None
    first, last = _month(min(counts)), _month(max(counts))
    assert first is not None and last is not None
    labels = []
    year, month = first
    while (year, month) <= last:
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    peak = max(counts.values())
    step = CHART_WIDTH / len(labels)
    bars, ticks = [], []
    for i, label in enumerate(labels):
        y, m = int(label[:4]), int(label[5:])
        n = counts.get(label, 0)
        bars.append(Bar(label=label, count=n, x=round(i * step, 2), width=round(max(step * 0.8, 0.5), 2),
                        height=round((CHART_HEIGHT - 2) * n / peak, 2) if n else 0.0,
                        since=date(y, m, 1), until=date(y, m, calendar.monthrange(y, m)[1])))
        if m == 1 and i:
            ticks.append((round(i * step, 2), label[:4]))
    if len(ticks) > 6:  # keep the axis readable: about six year marks
        every = -(-len(ticks) // 6)
        ticks = ticks[::every]
    return Timeline(bars=bars, width=CHART_WIDTH, height=CHART_HEIGHT, peak=peak, first=labels[0],
                    last=labels[-1], ticks=ticks)


def _month(label: str) -> tuple[int, int] | None:
    try:
        year, month = int(label[:4]), int(label[5:7])
    except ValueError:
        return None
    return (year, month) if len(label) == 7 and label[4] == "-" and 1 <= month <= 12 and year > 0 else None
