"""Formats beyond .txt and .json(l): web pages, RSS/Atom feeds, WARC archives, gzipped files,
French dates written as text, and an archive of every format indexed and searched.

The fixtures in fixtures/formats/ are written by hand; WARC and gzip files are built from
them here, with warcio's WARCWriter and the gzip module.
"""

from __future__ import annotations

import gzip
import io
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newssearch import NewsIndex
from newssearch.documents import Article, iter_files, parse_bytes, parse_french_date, read_file
from newssearch.documents.dates import parse_local_date
from newssearch.errors import DocumentError
from newssearch.indexing import update_index

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
LEOPARD_URL = "https://courrier-du-nord.example/monde/2023/01/25/chars-leopard-ukraine"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def gzipped(path: Path, content: bytes) -> Path:
    path.write_bytes(gzip.compress(content, mtime=0))
    return path


def one(path: Path) -> Article:
    out = read_file(path)
    assert out.skipped == []
    [article] = out.articles
    return article


# ---------------------------------------------------------------- French dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("23 janvier 2023", utc(2023, 1, 23)),  # no time: midnight UTC, the day stays the one written
        ("lundi 23 janv. 2023 à 11h36", utc(2023, 1, 23, 10, 36)),  # Paris winter time, UTC+1
        ("1er mars 2022", utc(2022, 3, 1)),
        ("23/01/2023 11:36", utc(2023, 1, 23, 10, 36)),
        ("14 juillet 2023 à 12h00", utc(2023, 7, 14, 10, 0)),  # Paris summer time, UTC+2
        ("Publié le 5 août 2021 à 8 h 05", utc(2021, 8, 5, 6, 5)),
        ("MARDI 7 FÉVRIER 2023, 18:30:15", utc(2023, 2, 7, 17, 30, 15)),
        ("3 déc 2022 à 9h", utc(2022, 12, 3, 8)),
        ("1ᵉʳ septembre 2020", utc(2020, 9, 1)),
        ("Mis à jour le 23/01/2023 à 11:36 UTC", utc(2023, 1, 23, 11, 36)),
        ("23.01.2023 à 11h36 +05:00", utc(2023, 1, 23, 6, 36)),
        ("26 mars 2023 à 4h30", utc(2023, 3, 26, 2, 30)),  # the morning clocks go forward
        ("31 février 2023", None),
        ("32/01/2023", None),
        ("23 foo 2023", None),
        ("23/01/23", None),
        ("23/01/2023 25:00", None),
        ("Le 23 janvier 2023, le ministre a parlé", None),  # a sentence, not a date
        ("", None),
    ],
)
def test_french_dates(text: str, expected: datetime | None) -> None:
    assert parse_french_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mis à jour le 24/01/2023 - publié le 23 janvier 2023", utc(2023, 1, 24)),
        ("Le 31 février 2023 n'existe pas, le 2 mars 2023 à 10h si", utc(2023, 3, 2, 9)),
        ("Le 3 mars 2023 à 9 habitants près", utc(2023, 3, 3)),  # "9 h" followed by a word is no time
        ("En 2023, rien de daté", None),
    ],
)
def test_french_date_found_in_a_text(text: str, expected: datetime | None) -> None:
    assert parse_french_date(text, search=True) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-03-07T10:15:00+01:00", utc(2023, 3, 7, 9, 15)),
        ("2023-03-07T10:15", utc(2023, 3, 7, 9, 15)),  # no zone on a French page: Paris
        ("2023-03-07", utc(2023, 3, 7)),
        ("7 mars", None),
    ],
)
def test_page_dates_without_a_zone_are_paris_time(value: str, expected: datetime | None) -> None:
    assert parse_local_date(value) == expected


# ---------------------------------------------------------------- web pages

BOILERPLATE = ["cookies", "Tout accepter", "Accueil", "Abonnez-vous", "Partager", "À lire aussi", "Zanzibar",
               "Quetzalcoatl", "lettre d'information", "Je m'inscris", "Mentions légales", "Plan du site",
               "dataLayer", "Par Claire Martin"]


def test_html_page_keeps_the_article_and_drops_the_boilerplate() -> None:
    path = FIXTURES / "leopard.html"
    article = one(path)
    assert (article.id, article.path) == (str(path), str(path))
    assert article.title == "Les chars Leopard arrivent en Ukraine"
    assert (iso(article.published), iso(article.modified)) == ("2023-01-25T10:36:00+00:00", "2023-01-25T17:02:00+00:00")
    assert (article.source, article.url, article.author) == ("Le Courrier du Nord", LEOPARD_URL, "Claire Martin")
    assert article.body.startswith("Berlin a finalement donné son feu vert mercredi")
    assert article.body.endswith("comme un tournant dans le conflit.")
    assert len(article.paragraphs) == 3
    assert [w for w in BOILERPLATE if w in article.body or w in article.title] == []


def test_html_page_with_a_french_date_written_under_its_title() -> None:
    article = one(FIXTURES / "medvedev.html")  # ISO-8859-1, no machine date, today's date in its header
    assert article.title == "Moscou évoque une alliance anti-US"
    assert iso(article.published) == "2023-01-23T10:36:00+00:00"
    assert (article.url, article.source) == ("https://echo-paris.example/international/medvedev-alliance",
                                             "echo-paris.example")
    assert article.body.startswith("Dmitri Medvedev, vice-président du Conseil de sécurité russe")
    assert [w for w in ("Publié", "Se connecter", "Sport", "droits réservés") if w in article.body] == []


TEXT = "<p>" + "Le gouvernement a présenté mardi sa réforme des retraites devant le Parlement. " * 5 + "</p>"


@pytest.mark.parametrize(
    "head, before_text, published",
    [
        ('<meta property="article:published_time" content="2023-03-07T09:15:00Z">', "", "2023-03-07T09:15:00+00:00"),
        ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
         '"datePublished": "2023-03-07T10:15:00+01:00"}]}</script>', "", "2023-03-07T09:15:00+00:00"),
        ("", '<time datetime="2023-03-07T10:15">7 mars</time>', "2023-03-07T09:15:00+00:00"),
        ("", '<p class="date">mardi 7 mars 2023 à 10h15</p>', "2023-03-07T09:15:00+00:00"),
        ("", '<span class="date">8 mars 2023</span><p class="publication">Publié le 7 mars 2023 à 10h15</p>',
         "2023-03-07T09:15:00+00:00"),
        ("", "", None),
    ],
)
def test_html_publication_date_rules(tmp_path: Path, head: str, before_text: str, published: str | None) -> None:
    path = tmp_path / "page.htm"
    path.write_text(f"<html><head><title>Retraites</title>{head}</head><body><article><h1>Retraites</h1>"
                    f"{before_text}{TEXT}</article></body></html>", encoding="utf-8")
    assert iso(one(path).published) == published


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"<html><head><title>Vide</title></head><body><script>var x = 1;</script></body></html>",
         "no article text found in the page"),
        (b"\x00\x01<html><body><p>texte</p></body></html>", "binary file (contains NUL bytes)"),
        (b"  \n", "empty file"),
    ],
)
def test_unusable_html_pages(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_file(path)
    assert (caught.value.reason, caught.value.path) == (reason, path)


# ---------------------------------------------------------------- feeds


def test_rss_feed_one_article_per_item() -> None:
    path = FIXTURES / "gazette.rss"
    out = read_file(path)
    assert out.skipped == []
    assert [(a.id, a.title, iso(a.published), a.url, a.source, a.author) for a in out.articles] == [
        ("gazette-2022-0830-routes", "Sécurité routière : un été meurtrier", "2022-08-30T08:00:00+00:00",
         "https://gazette-lyon.example/2022/08/30/securite-routiere", "La Gazette de Lyon", "Paul Durand"),
        (f"{path}#2", "Fête des Lumières : la colline de Fourvière illuminée", "2022-12-08T18:30:00+00:00",
         "https://gazette-lyon.example/2022/12/08/fete-des-lumieres", "La Gazette de Lyon", None),
    ]
    full, summary_only = out.articles
    assert full.body == ("Les mesures sécuritaires annoncées aujourd'hui visent les routes départementales du "
                         "Rhône.\n\nLe préfet veut une œuvre collective : « agir vite, et partout ».")
    assert summary_only.body == "Des milliers de lumignons ont éclairé la basilique de Fourvière."


def test_atom_feed_content_summary_and_dates() -> None:
    out = read_file(FIXTURES / "courrier.atom")
    assert out.skipped == []
    assert [(a.id, a.title, iso(a.published), iso(a.modified), a.url) for a in out.articles] == [
        ("tag:courrier-du-nord.example,2023:dunkerque-record", "Le port de Dunkerque bat son record de trafic",
         "2023-02-02T07:15:00+00:00", "2023-02-02T11:00:00+00:00",
         "https://courrier-du-nord.example/2023/02/02/dunkerque-record"),
        ("tag:courrier-du-nord.example,2023:braderie", "Lille : la braderie revient en septembre",
         "2023-02-03T09:00:00+00:00", "2023-02-03T09:00:00+00:00", "https://courrier-du-nord.example/2023/02/03/braderie"),
    ]
    assert out.articles[0].paragraphs == ["Le port de Dunkerque a traité plus de cinquante millions de tonnes de "
                                          "marchandises.", "Les conteneurs et le vrac liquide tirent la croissance."]
    assert {a.source for a in out.articles} == {"Le Courrier du Nord"}


def rss(items: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Flux</title>\n'
            f"{items}</channel></rss>").encode("utf-8")


GOOD_ITEM = "<item><guid>a</guid><title>Bon</title><description>Texte.</description></item>\n"


@pytest.mark.parametrize(
    "content, ids, skipped",
    [
        (rss(GOOD_ITEM + "<item><title></title><description> </description></item>\n"),
         ["a"], [(None, "entry 2 has neither title nor text")]),
        (rss(GOOD_ITEM + GOOD_ITEM.replace("Bon", "Doublon")), ["a"], [(None, "entry 2 has the same id as entry 1")]),
        (rss(GOOD_ITEM + "<item><title>Date illisible</title><pubDate>hier soir</pubDate></item>\n"),
         ["a", "{path}#2"], []),  # an unreadable date: the entry is kept, undated
        (rss(GOOD_ITEM.replace("Bon", "&Eacute;t&eacute;")), ["a"], []),  # HTML entities: read past
        (rss(GOOD_ITEM)[:-40], ["a"], [(3, "invalid XML (no element found): the feed was read as far as possible")]),
    ],
)
def test_bad_feed_entries_are_skipped(tmp_path: Path, content: bytes, ids: list[str],
                                      skipped: list[tuple[int | None, str]]) -> None:
    path = tmp_path / "flux.rss"
    path.write_bytes(content)
    out = read_file(path)
    assert [a.id for a in out.articles] == [i.format(path=path) for i in ids]
    assert [(s.line, s.reason) for s in out.skipped] == skipped


@pytest.mark.parametrize(
    "name, content, reason, line",
    [
        ("sitemap.xml", b'<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>',
         "not an RSS or Atom feed", None),
        ("page.atom", b"<html><body>Bonjour</body></html>", "not an RSS or Atom feed", None),
        ("cut.rss", b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>x</ti', "invalid XML (unclosed token)", 3),
    ],
)
def test_unusable_feeds(tmp_path: Path, name: str, content: bytes, reason: str, line: int | None) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_file(path)
    assert (caught.value.reason, caught.value.line) == (reason, line)


# ---------------------------------------------------------------- WARC


class Capture(NamedTuple):
    uri: str
    body: bytes
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    date: str = "2023-02-01T08:00:00Z"
    record_id: str | None = None


def warc_bytes(captures: list[Capture], *, gz: bool = True) -> bytes:
    """A WARC file: a warcinfo record, a request for the first capture, then one response each."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "newssearch tests"}))
    request = f"GET / HTTP/1.1\r\nHost: {captures[0].uri.split('/')[2]}\r\n\r\n".encode("ascii")
    writer.write_record(writer.create_warc_record(captures[0].uri, "request", payload=io.BytesIO(request),
                                                  length=len(request)))
    for c in captures:
        http = StatusAndHeaders(c.status, [("Content-Type", c.content_type), ("Content-Length", str(len(c.body)))],
                                protocol="HTTP/1.1")
        headers = {"WARC-Date": c.date} | ({"WARC-Record-ID": c.record_id} if c.record_id else {})
        writer.write_record(writer.create_warc_record(c.uri, "response", payload=io.BytesIO(c.body),
                                                      length=len(c.body), http_headers=http,
                                                      warc_headers_dict=headers))
    return out.getvalue()


LEOPARD = Capture("https://courrier-du-nord.example/leopard", (FIXTURES / "leopard.html").read_bytes())
RAMSTEIN = Capture("https://www.defense-info.example/ramstein", (FIXTURES / "ramstein-warc.html").read_bytes())
CRAWL = [
    LEOPARD,
    Capture("https://courrier-du-nord.example/style.css", b"body { color: black }", content_type="text/css"),
    RAMSTEIN,
    Capture("https://courrier-du-nord.example/logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
    Capture("https://courrier-du-nord.example/absent", b"<html><body>Introuvable</body></html>", "404 Not Found"),
    Capture("https://courrier-du-nord.example/ancien", b"<html><body>Parti</body></html>", "301 Moved Permanently"),
    RAMSTEIN._replace(date="2023-02-02T09:00:00Z", record_id="<urn:uuid:00000000-0000-4000-8000-000000000007>"),
    Capture("https://courrier-du-nord.example/vide", b"<html><body><script>var x;</script></body></html>"),
]


@pytest.mark.parametrize("gz", [True, False])
def test_warc_pages_become_articles(gz: bool) -> None:
    path = Path("crawl.warc.gz" if gz else "crawl.warc")
    out = parse_bytes(path, warc_bytes(CRAWL, gz=gz))
    assert [(a.id, a.url, iso(a.published), a.source, a.title) for a in out.articles] == [
        (LEOPARD.uri, LEOPARD.uri, "2023-01-25T10:36:00+00:00", "Le Courrier du Nord",
         "Les chars Leopard arrivent en Ukraine"),  # the page's own date
        (RAMSTEIN.uri, RAMSTEIN.uri, "2023-02-01T08:00:00+00:00", "defense-info.example",
         "Réunion des alliés à Ramstein"),  # no date in the page: the capture's
        ("urn:uuid:00000000-0000-4000-8000-000000000007", RAMSTEIN.uri, "2023-02-02T09:00:00+00:00",
         "defense-info.example", "Réunion des alliés à Ramstein"),  # a second capture of the same URL
    ]
    assert [w for w in BOILERPLATE if w in out.articles[0].body] == []
    assert [str(s) for s in out.skipped] == [f"{path}: page https://courrier-du-nord.example/vide has no article text"]


def split_warc(captures: list[Capture], *, gz: bool) -> tuple[bytes, int]:
    """A WARC of ``captures`` and the offset at which its last record starts."""
    whole = warc_bytes(captures, gz=gz)
    return whole, len(warc_bytes(captures[:-1], gz=gz))


@pytest.mark.parametrize(
    "gz, cut, skipped",
    [  # cut: where the file ends, as a share of its last record
        (True, 0.5, f"page {RAMSTEIN.uri} is truncated"),
        (False, 0.95, f"page {RAMSTEIN.uri} is truncated"),
        (False, 0.02, "broken WARC record at byte {start}: the rest of the archive was not read"),  # in its header
    ],
)
def test_truncated_warc_keeps_the_records_before_the_break(gz: bool, cut: float, skipped: str) -> None:
    raw, start = split_warc([LEOPARD, RAMSTEIN], gz=gz)
    out = parse_bytes(Path("cut.warc"), raw[:start + int((len(raw) - start) * cut)])
    assert [a.id for a in out.articles] == [LEOPARD.uri]
    assert [s.reason for s in out.skipped] == [skipped.format(start=start)]


def test_broken_warc_record_ends_the_reading() -> None:
    raw, start = split_warc([LEOPARD, RAMSTEIN], gz=False)
    out = parse_bytes(Path("broken.warc"), raw[:start] + b"HTTP/1.1 200 OK\r\n\r\n" + raw[start:])
    assert [a.id for a in out.articles] == [LEOPARD.uri]
    assert [s.reason for s in out.skipped] == [
        f"broken WARC record at byte {start}: the rest of the archive was not read"]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("notes.warc", b"Ceci n'est pas une archive.", "not a WARC file"),
        ("records.warc", b"uri ip-address archive-date content-type length\n", "not a WARC file"),  # ARC-like
        ("empty.warc.gz", gzip.compress(b"\r\n", mtime=0), "not a WARC file"),
        ("blank.warc.gz", gzip.compress(b"", mtime=0), "no WARC records in the file"),
        ("blank.warc", b"\n\n", "empty file"),
    ],
)
def test_unusable_warc_files(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_bytes(Path(name), content)
    assert caught.value.reason == reason


def test_warc_page_over_the_size_limit_is_skipped() -> None:
    out = parse_bytes(Path("big.warc.gz"), warc_bytes([LEOPARD, RAMSTEIN]), max_bytes=1000)
    assert [a.id for a in out.articles] == [RAMSTEIN.uri]
    assert [s.reason for s in out.skipped] == [f"page {LEOPARD.uri} is over the limit of 1,000 bytes (max_bytes)"]


# ---------------------------------------------------------------- gzip


@pytest.mark.parametrize("name", ["depeches.jsonl", "peche-bretagne.txt", "leopard.html", "gazette.rss",
                                  "courrier.atom"])
def test_gzipped_files_read_like_their_inner_format(tmp_path: Path, name: str) -> None:
    plain = read_file(FIXTURES / name)
    packed = read_file(gzipped(tmp_path / f"{name}.gz", (FIXTURES / name).read_bytes()))
    assert [(a.title, a.body, a.published, a.url) for a in packed.articles] == \
        [(a.title, a.body, a.published, a.url) for a in plain.articles]
    assert packed.skipped == plain.skipped == []


def test_gzipped_json(tmp_path: Path) -> None:
    out = read_file(gzipped(tmp_path / "une.json.gz", b'{"id": "g1", "title": "Compress\xc3\xa9"}'))
    assert [(a.id, a.title) for a in out.articles] == [("g1", "Compressé")]


GZ = gzip.compress("Titre\n\nUn texte à compresser, assez long pour le test.".encode("utf-8") * 3, mtime=0)


def damaged(data: bytes, *positions: int) -> bytes:
    out = bytearray(data)
    for position in positions:
        out[position] ^= 0xFF
    return bytes(out)


BAD_GZIP = [
    ("plain.txt.gz", b"Titre\n\nPas compress\xc3\xa9.", "corrupt gzip file (not gzip data)"),
    ("cut.txt.gz", GZ[:-12], "corrupt gzip file (truncated)"),
    ("crc.txt.gz", damaged(GZ, -8), "corrupt gzip file (checksum mismatch)"),
    ("garbled.txt.gz", damaged(GZ, 15, 16), "corrupt gzip file (invalid compressed data)"),
    ("bomb.json.gz", gzip.compress(b"{}" * 50_000, mtime=0), "decompressed size over the limit of 1,000 bytes (max_bytes)"),
    ("empty.txt.gz", gzip.compress(b"", mtime=0), "empty file"),
]


@pytest.mark.parametrize("name, content, reason", BAD_GZIP, ids=[row[0] for row in BAD_GZIP])
def test_bad_gzip_files(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_file(path, max_bytes=1000)
    assert caught.value.reason == reason


# ---------------------------------------------------------------- text files and walking


@pytest.mark.parametrize(
    "text, published, body",
    [
        ("Titre\nPublié le 23 janvier 2023 à 11h36\n\nTexte.", utc(2023, 1, 23, 10, 36), "Texte."),
        ("Titre\n\n23/01/2023\nTexte.", utc(2023, 1, 23), "Texte."),
        ("Titre\n1er mars 2022", utc(2022, 3, 1), ""),
        ("Titre\nLe 23 janvier 2023, le ministre a parlé.", None, "Le 23 janvier 2023, le ministre a parlé."),
        ("Titre\nTexte.\n23 janvier 2023", None, "Texte.\n\n23 janvier 2023"),
    ],
)
def test_plain_text_with_a_french_date_line(tmp_path: Path, text: str, published: datetime | None,
                                           body: str) -> None:
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    article = one(path)
    assert (article.title, article.published, article.body) == ("Titre", published, body)


def test_walking_lists_every_format(tmp_path: Path) -> None:
    names = ["a.html", "b.htm", "c.rss", "d.atom", "e.xml", "f.warc", "g.warc.gz", "h.jsonl.gz", "i.json.gz",
             "j.txt.gz", "k.html.gz", "l.rss.gz", "M.XML.GZ", "n.tar.gz", "o.gz", "p.md"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    found = [p.name for p, reason in iter_files([tmp_path]) if reason is None]
    assert found == sorted(names[:13])
    assert list(iter_files([tmp_path / "n.tar.gz", tmp_path / "o.gz"])) == [
        (tmp_path / "n.tar.gz", "unsupported file type '.tar.gz'"), (tmp_path / "o.gz", "unsupported file type '.gz'")]


# ---------------------------------------------------------------- an archive of every format


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mixed")
    archive = root / "archive"
    for folder in ("seed", "web", "flux", "crawl"):
        (archive / folder).mkdir(parents=True)
    shutil.copy(FIXTURES / "ramstein-seed.txt", archive / "seed")
    shutil.copy(FIXTURES / "depeches.jsonl", archive)
    gzipped(archive / "ancien.jsonl.gz", '{"id": "gz-1", "title": "Le Mont-Saint-Michel sous la neige", "date": '
                                         '"2021-02-10T07:00:00Z", "body": "Un manteau blanc inhabituel."}\n'.encode())
    gzipped(archive / "peche-bretagne.txt.gz", (FIXTURES / "peche-bretagne.txt").read_bytes())
    for name in ("leopard.html", "medvedev.html"):
        shutil.copy(FIXTURES / name, archive / "web")
    for name in ("gazette.rss", "courrier.atom"):
        shutil.copy(FIXTURES / name, archive / "flux")
    (archive / "crawl" / "site.warc.gz").write_bytes(warc_bytes(CRAWL[1:6]))
    report = update_index(root / "ix", [archive])
    assert [str(s) for s in report.skipped] == []
    assert (report.added, report.articles) == (9, 12)
    return root / "ix", archive


def expected_hits(archive: Path) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    """query, id, title, published, url, source"""
    return [
        ("Bundestag quatorze blindés", str(archive / "web" / "leopard.html"), "Les chars Leopard arrivent en Ukraine",
         "2023-01-25T10:36:00+00:00", LEOPARD_URL, "Le Courrier du Nord"),
        ("Medvedev", str(archive / "web" / "medvedev.html"), "Moscou évoque une alliance anti-US",
         "2023-01-23T10:36:00+00:00", "https://echo-paris.example/international/medvedev-alliance",
         "echo-paris.example"),
        ("lumignons Fourvière", f"{archive / 'flux' / 'gazette.rss'}#2",
         "Fête des Lumières : la colline de Fourvière illuminée", "2022-12-08T18:30:00+00:00",
         "https://gazette-lyon.example/2022/12/08/fete-des-lumieres", "La Gazette de Lyon"),
        ("départementales", "gazette-2022-0830-routes", "Sécurité routière : un été meurtrier",
         "2022-08-30T08:00:00+00:00", "https://gazette-lyon.example/2022/08/30/securite-routiere",
         "La Gazette de Lyon"),
        ("Dunkerque conteneurs", "tag:courrier-du-nord.example,2023:dunkerque-record",
         "Le port de Dunkerque bat son record de trafic", "2023-02-02T07:15:00+00:00",
         "https://courrier-du-nord.example/2023/02/02/dunkerque-record", "Le Courrier du Nord"),
        ("artillerie nordiques", RAMSTEIN.uri, "Réunion des alliés à Ramstein", "2023-02-01T08:00:00+00:00",
         RAMSTEIN.uri, "defense-info.example"),
        ("chalutiers Concarneau", str(archive / "peche-bretagne.txt.gz"),
         "La pêche bretonne face à la hausse du gazole", "2023-01-17T07:05:00+00:00", None, None),
        ("antiquités égyptiennes", "afp-002", "Le Louvre rouvre une aile rénovée", "2023-01-18T15:30:00+00:00",
         "https://agence.example/afp-002", "Agence Exemple"),
        ("neige", "gz-1", "Le Mont-Saint-Michel sous la neige", "2021-02-10T07:00:00+00:00", None, None),
        ("Varsovie réexportation", str(archive / "seed" / "ramstein-seed.txt"),
         "Le sommet de Ramstein divise les alliés", "2023-01-20T16:40:00+00:00", None, None),
    ]


def test_every_format_is_indexed_and_found(mixed_index: tuple[Path, Path]) -> None:
    folder, archive = mixed_index
    with NewsIndex.open(folder) as ix:
        for query, *expected in expected_hits(archive):
            hits = ix.search(query)
            assert [(h.id, h.title, iso(h.published), h.url, h.source) for h in hits] == [tuple(expected)], query


@pytest.mark.parametrize("words", ["Zanzibar", "Quetzalcoatl", "cookies", "Abonnez-vous", "Xylophone",
                                   "connecter", "lettre d'information", "Mentions légales", "trackEvent",
                                   "Introuvable", "color black"])
def test_boilerplate_and_passed_over_records_are_not_findable(mixed_index: tuple[Path, Path], words: str) -> None:
    folder, _ = mixed_index
    with NewsIndex.open(folder) as ix:
        assert ix.search(words) == []
