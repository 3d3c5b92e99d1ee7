"""Web pages (``.html``, ``.htm``, and the pages inside WARC archives): the article's main text
and metadata (title, author, site name, canonical url) through trafilatura, which leaves
menus, cookie banners, "related articles" lists and footers out of the body. Dates are
found by page_dates.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import trafilatura
from trafilatura.settings import Document, set_date_params

from ..errors import DocumentError
from .articles import Article, FileArticles
from .dates import parse_date_line
from .decoding import clean_body, clean_inline, declared_charset, decode_declared
from .page_dates import page_modified, page_published


@dataclass(frozen=True)
class Page:
    """What trafilatura and the date rules found in one web page."""

    title: str
    body: str
    published: datetime | None = None
    modified: datetime | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None


def read_html(path: Path, raw: bytes) -> FileArticles:
    """One article from an HTML file: its id is the file's path, its url the page's canonical one."""
    try:
        text = decode_declared(raw, declared_charset(raw))
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from exc
    page = extract_page(text)
    if page is None:
        raise DocumentError(path, "no article text found in the page")
    return FileArticles(articles=[Article(
        id=str(path), title=page.title, body=page.body, path=str(path), published=page.published,
        modified=page.modified, source=page.site, url=page.url, author=page.author)])


def extract_page(html: str, *, url: str | None = None) -> Page | None:
    """The article in a web page, or None when the page has no article text."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return None
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                      date_extraction_params=set_date_params(False))
    if not isinstance(doc, Document) or not doc.text:
        return None
    title = clean_inline(doc.title or "")
    body = _drop_date_line(clean_body(_drop_title_line(doc.text, title)))
    if not title and not body:
        return None
    return Page(title=title, body=body, published=page_published(tree, doc.date), modified=page_modified(tree),
                author=clean_inline(doc.author or "") or None, site=clean_inline(doc.sitename or "") or None,
                url=(doc.url or url or "").strip() or None)


def _drop_title_line(text: str, title: str) -> str:
    first, _, rest = text.partition("\n")
    return rest if clean_inline(first) == title else text


def _drop_date_line(body: str) -> str:
    """The body without a first paragraph that is only a date (``Publié le 23 janvier 2023``)."""
    first, _, rest = body.partition("\n\n")
    return rest if parse_date_line(first) else body
