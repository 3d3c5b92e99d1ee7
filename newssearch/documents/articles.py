"""What the readers produce: articles, the records they had to skip, and both for one file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Article:
    """One news article, as read from a file, a record, a feed entry or a web page."""

    id: str
    title: str
    body: str
    path: str
    published: datetime | None = None
    modified: datetime | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in re.split(r"\n\s*\n", self.body) if p.strip()]

    @property
    def content_hash(self) -> str:
        """A short hash of what is indexed, to tell whether an article changed."""
        parts = [self.title, self.body, _iso(self.published), self.source or "", self.url or ""]
        if self.author:  # only when there is one, so that older articles keep their hash
            parts.append(self.author)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not indexed, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass
class FileArticles:
    """What one file yielded: its articles and the records that had to be skipped."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, item: Article | Skipped) -> None:
        if isinstance(item, Article):
            self.articles.append(item)
        else:
            self.skipped.append(item)

    def items(self) -> Iterator[Article | Skipped]:
        """The skipped records, then the articles: what a streamed file yields, in one order."""
        yield from self.skipped
        yield from self.articles


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
