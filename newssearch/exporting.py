"""Exporting every hit of a search as CSV or JSON Lines (plain files, read as they are by
spreadsheets and pandas), and its provenance beside them, so that a search can be cited and
reproduced: the query, its filters, the index and its version.
Also the JSON form of a hit, an article and index statistics, shared by every front end
(the CLI's ``--json``, the web API), so that they give the same fields."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
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
    """The columns of an export (None where a value is missing)."""
    return {"rank": hit.rank, "id": hit.id, "published": iso(hit.published), "source": hit.source, "url": hit.url,
            "title": hit.title, "score": round(hit.score, 4), "snippet": hit.snippet.text}


def jsonl_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object a hit, a line each (missing values are null, as in ``--json``)."""
    for hit in hits:
        yield json.dumps(hit_row(hit), ensure_ascii=False) + "\n"


def csv_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """A header row, then one row a hit (missing values are empty cells): a plain CSV file
    that spreadsheets and pandas.read_csv read as it is."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for hit in [None, *hits]:
        if hit is not None:
            writer.writerow({k: "" if v is None else v for k, v in hit_row(hit).items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


EXPORTS = {"csv": csv_lines, "jsonl": jsonl_lines}


def write_export(hits: Iterable[Hit], fmt: str, out: TextIO) -> int:
    """Write every hit as ``fmt`` (csv or jsonl) to ``out``; returns the number of hits."""
    count = 0

    def counted() -> Iterator[Hit]:
        nonlocal count
        for count, hit in enumerate(hits, start=1):
            yield hit

    out.writelines(EXPORTS[fmt](counted()))
    return count


def provenance_path(output: Path) -> Path:
    """Where the provenance of an export written to ``output`` goes: beside it."""
    return output.with_name(output.name + ".provenance.json")


def write_provenance(provenance: dict[str, Any], path: Path) -> None:
    """What is needed to cite and reproduce a search (NewsIndex.provenance), as JSON."""
    path.write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
