"""Web archives (``.warc``, ``.warc.gz``) through warcio: every HTTP ``response`` record of an
HTML page with status 200 is one article, read like an ``.html`` file (pages.py).

The article's url is the record's ``WARC-Target-URI`` and so is its id (a second capture
of the same URL in the archive takes its ``WARC-Record-ID``); its date is the page's own,
else the capture date (``WARC-Date``); its source is the site name, else the host.
Other records (requests, metadata, images, redirects, errors) are passed over silently.
A broken record ends the reading: the articles before it are kept and the break is
listed in ``skipped``, as are a file that ends inside a record (a cut download), pages
with no article text and pages over ``max_bytes``. The archive is read as a stream, so
memory holds one page at a time, never the decompressed archive.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from ..errors import DocumentError
from .articles import Article, FileArticles, Skipped
from .dates import parse_date
from .decoding import declared_charset, decode_declared
from .pages import extract_page

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 64 * 1024


def read_warc(path: Path, raw: bytes, *, max_bytes: int) -> FileArticles:
    """The HTML pages of a WARC file, compressed or not."""
    out = FileArticles()
    warnings = io.StringIO()
    # warcio writes what it finds odd (a bad Content-Length, a damaged gzip block) to
    # sys.stderr: catch it for the report instead of letting the library print.
    with contextlib.redirect_stderr(warnings):
        for item in _page_records(path, raw, max_bytes):
            if isinstance(item, Skipped):
                out.skipped.append(item)
            else:
                out.articles.append(item)
    if notes := [n.strip() for n in warnings.getvalue().splitlines() if n.strip()]:
        note = notes[0].removeprefix("WARNING: ")
        out.skipped.append(Skipped(str(path), f"damaged data in the archive ({note})"))
    return out


def _page_records(path: Path, raw: bytes, max_bytes: int) -> Iterator[Article | Skipped]:
    records = ArchiveIterator(io.BytesIO(raw))
    seen: set[str] = set()
    last: Any = None
    while True:
        try:
            record = next(records)
            if not _is_warc_record(record):
                raise ValueError("not a WARC record")
        except StopIteration:
            break
        except Exception as exc:  # warcio raises assorted errors on malformed input (AttributeError too)
            if last is None:
                raise DocumentError(path, "not a WARC file") from exc
            yield Skipped(str(path), f"broken WARC record at byte {records.offset}: the rest of the archive "
                                     "was not read")
            return
        last = record
        if _is_html_page(record):
            yield _record_article(path, record, seen, max_bytes)
    if last is None:
        raise DocumentError(path, "no WARC records in the file")
    # warcio stops silently when the file ends inside a record's headers, or inside the
    # body of a record that is not a page (a cut page is reported by _record_article)
    cut_body = not _is_html_page(last) and getattr(last.raw_stream, "limit", 0) > 0
    if cut_body or raw[records.offset:].strip():
        yield Skipped(str(path), f"truncated WARC record at byte {records.offset}: the archive ends inside it")


def _is_warc_record(record: Any) -> bool:
    """Whether warcio read a whole WARC header: it takes any 5-word line for an ARC record,
    and returns what it has of a header that the end of the file cuts."""
    return bool(record.format == "warc" and record.rec_type and record.length is not None)


def _is_html_page(record: Any) -> bool:
    headers = record.http_headers
    if record.rec_type != "response" or headers is None or headers.get_statuscode() != "200":
        return False
    content_type = (headers.get_header("Content-Type") or "").lower()
    return content_type.split(";")[0].strip() in _HTML_TYPES


def _record_article(path: Path, record: Any, seen: set[str], max_bytes: int) -> Article | Skipped:
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
    if not uri:
        return Skipped(str(path), "response record without WARC-Target-URI")
    try:
        content = record.content_stream().read(max_bytes + 1)
        while record.raw_stream.read(_CHUNK):  # to the end of the record, to tell whether it is whole
            pass
    except Exception:  # a broken chunked or compressed HTTP body; warcio's errors have no common base
        return Skipped(str(path), f"page {uri} has an unreadable HTTP body")
    if len(content) > max_bytes:
        return Skipped(str(path), f"page {uri} is over the limit of {max_bytes:,} bytes (max_bytes)")
    if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended before the record's Content-Length
        return Skipped(str(path), f"page {uri} is truncated")
    try:
        html = decode_declared(content, declared_charset(content, record.http_headers.get_header("Content-Type")))
    except ValueError as exc:
        return Skipped(str(path), f"page {uri}: {exc}")
    page = extract_page(html, url=uri)
    if page is None:
        return Skipped(str(path), f"page {uri} has no article text")
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    article_id = uri if uri not in seen else record_id.strip("<>") or uri
    seen.add(uri)
    return Article(id=article_id, title=page.title, body=page.body, path=str(path),
                   published=page.published or parse_date(record.rec_headers.get_header("WARC-Date") or ""),
                   modified=page.modified, source=page.site or _host(uri), url=uri, author=page.author)


def _host(url: str) -> str | None:
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None
