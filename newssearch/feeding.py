"""Articles that come from no file (a scraper, a notebook): added, replaced by id, or deleted,
through the same writer, grouping and manifest bookkeeping as files (indexing.py)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .config import COMMIT_EVERY
from .documents import Article, Skipped, article_from_record
from .folder import IndexFolder
from .indexing import Batch, IndexReport, skip
from .schema import ID_FIELD


@contextmanager
def _batch(folder: Path | str, wait: float, commit_every: int, group: bool) -> Iterator[Batch]:
    """A batch under the writer lock, committed when the block ends, cancelled if it fails."""
    with IndexFolder(folder).writing(wait=wait) as session:
        batch = Batch(session, commit_every, 1, group)
        try:
            yield batch
            batch.commit()
        except BaseException:
            batch.cancel()
            raise
        finally:
            batch.close()


def write_articles(folder: Path | str, articles: Iterable[Article | dict[str, Any]], *, strict: bool = False,
                   wait: float = 0.0, group: bool = True, commit_every: int = COMMIT_EVERY) -> IndexReport:
    """Add articles that come from no file (a scraper, a notebook): ``Article`` objects or
    dicts with the keys of a JSON record (``id, title, date, source, url, body``). An article
    whose id is indexed already replaces it; versions of a wire story are grouped as for
    files. Counts in the report are articles: ``added``, ``updated`` (replaced), ``skipped``
    (invalid dicts; DocumentError with ``strict``)."""
    started = time.perf_counter()
    report = IndexReport()
    with _batch(folder, wait, commit_every, group) as batch, batch.session.ix.searcher() as searcher:
        for number, item in enumerate(articles, start=1):
            article = _as_article(item, number, report, strict)
            if article is None:
                continue
            if searcher.document_number(**{ID_FIELD: article.id}) is not None:
                batch.get().delete_by_term(ID_FIELD, article.id)
                report.updated += 1
            else:
                report.added += 1
            batch.add(article)
            report.articles += 1
    report.seconds = time.perf_counter() - started
    return report


def _as_article(item: Article | dict[str, Any], number: int, report: IndexReport, strict: bool) -> Article | None:
    if isinstance(item, Article):
        return item
    try:
        path = str(item.get("path") or "") if isinstance(item, dict) else ""
        return article_from_record(item, path=path, fallback_id=f"article-{number}")
    except ValueError as exc:
        skip(report, Skipped(f"article {number}", str(exc)), strict)
        return None


def delete_articles(folder: Path | str, ids: Iterable[str], *, wait: float = 0.0) -> int:
    """Delete the articles with these ids (and their wire-story sketches); how many there were."""
    with _batch(folder, wait, COMMIT_EVERY, True) as batch:
        writer, deleted = batch.get(), 0
        for article_id in ids:
            deleted += int(writer.delete_by_term(ID_FIELD, article_id) or 0)
            if batch.grouper:
                batch.grouper.forget(article_id)
    return deleted
