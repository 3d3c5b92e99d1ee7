"""Exporting every hit of a search as CSV or JSON Lines, with a provenance record so that
a search can be cited and reproduced: the query, its filters, the index and its version."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from .hits import Hit

COLUMNS = ("rank", "id", "published", "source", "url", "title", "score", "snippet")


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
