"""Articles and the readers that turn news files into them. No Whoosh here.

Formats read (one module each):
- ``.txt``: the seed format, or plain text whose first line is the title (plaintext.py);
- ``.jsonl`` / ``.json``: one article per record (records.py); plain ``.jsonl`` files are
  streamed record by record, with the size limit on each record (reading.py);
- ``.html`` / ``.htm``: a web page's article through trafilatura (pages.py);
- ``.rss`` / ``.atom`` / ``.xml``: one article per feed entry through feedparser (feeds.py);
- ``.warc`` / ``.warc.gz``: the HTML pages of a web archive through warcio (warcs.py);
- any of them gzipped (``.jsonl.gz``, ``.txt.gz``, ``.html.gz``...), decompressed with a
  size limit (compression.py).

Text is decoded as UTF-8 (BOM or not) with a cp1252 fallback for legacy French files,
NFC-normalised, and non-breaking spaces become plain spaces (decoding.py). French dates
written as text are read by dates.py.
"""

from __future__ import annotations

from .articles import Article, FileArticles, Skipped
from .dates import parse_date, parse_french_date
from .decoding import decode_text, printable
from .plaintext import parse_text_article
from .reading import FileScan, RecordStream, is_streamed, parse_bytes, read_bytes, read_file, scan_file, stream_file
from .records import article_from_record
from .walking import SUPPORTED_SUFFIXES, is_supported, iter_files

__all__ = [
    "Article", "FileArticles", "FileScan", "Skipped", "SUPPORTED_SUFFIXES", "article_from_record", "decode_text",
    "is_supported", "iter_files", "parse_bytes", "printable", "parse_date", "parse_french_date", "parse_text_article",
    "is_streamed", "RecordStream", "read_bytes", "read_file", "scan_file", "stream_file",
]
