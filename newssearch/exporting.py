"""Exporting every hit of a search as CSV or JSON Lines, with a provenance record so that
a search can be cited and reproduced: the query, its filters, the index and its version.
Also the JSON form of a hit, an article and index statistics, shared by every front end
(the CLI's ``--json``, the web API), so that they give the same fields."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from .documents import Article
from .hits import Hit
from .stats import IndexStats

COLUMNS = ("rank", "id", "published", "source", "url", "title", "score", "snippet")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def hit_record(hit: Hit) -> dict[str, Any]:
    """Every field of a Hit as JSON-ready data (dates ISO 8601, spans as [start, end])."""
    return {
        "rank": hit.rank, "id": hit.id, "score": round(hit.score, 4), "title": hit.title,
        "title_spans": [list(s) for s in hit.title_spans], "published": iso(hit.published),
        "modified": iso(hit.modified), "source": hit.source, "url": hit.url, "path": hit.path,
        "snippets": [{"text": s.text, "spans": [list(span) for span in s.spans]} for s in hit.snippets],
        "versions": hit.versions,
        "first_version": {"source": hit.first_version[0], "published": iso(hit.first_version[1])}
        if hit.first_version else None,
    }


def article_record(article: Article) -> dict[str, Any]:
    """One article in full as JSON-ready data."""
    return {"id": article.id, "title": article.title, "published": iso(article.published),
            "source": article.source, "url": article.url, "path": article.path, "body": article.body}


def stats_record(stats: IndexStats, index: str) -> dict[str, Any]:
    """Index statistics as JSON-ready data; ``index`` names the index folder."""
    data = dataclasses.asdict(stats)
    data.update(first=iso(stats.first), last=iso(stats.last), index=index)
    return data


def hit_row(hit: Hit) -> dict[str, Any]:
    return {"rank": hit.rank, "id": hit.id, "published": hit.published.isoformat() if hit.published else "",
            "source": hit.source or "", "url": hit.url or "", "title": hit.title,
            "score": round(hit.score, 4), "snippet": hit.snippet.text}


def write_jsonl(hits: Iterable[Hit], provenance: dict[str, Any], out: TextIO) -> int:
    """First line: ``{"provenance": {...}}``; then one object per hit. Returns the hit count."""
    out.write(json.dumps({"provenance": provenance}, ensure_ascii=False) + "\n")
    count = 0
    for count, hit in enumerate(hits, start=1):
        out.write(json.dumps(hit_row(hit), ensure_ascii=False) + "\n")
    return count


def write_csv(hits: Iterable[Hit], provenance: dict[str, Any], out: TextIO) -> int:
    """First line: ``# provenance: {...}`` (JSON); then a header row and one row per hit."""
    out.write("# provenance: " + json.dumps(provenance, ensure_ascii=False) + "\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for count, hit in enumerate(hits, start=1):
        writer.writerow(hit_row(hit))
    return count
