"""The door to Whoosh's internals (newssearch/engine/): installed once, for one Whoosh only,
and an index readable by any process that opens it, through newssearch or plain Whoosh."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newssearch import NewsIndex, NewsSearchError
from newssearch.engine import PINNED_WHOOSH, WhooshVersionError, check_version

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("found", [(2, 7, 4), (2, 7, 6), (3, 54, 0), (5, 4, 0)])
def test_any_other_whoosh_is_refused(found: tuple[int, ...]) -> None:
    with pytest.raises(WhooshVersionError, match=r"needs Whoosh 2\.7\.5 \(whoosh-reloaded==2\.7\.5\)") as caught:
        check_version(found)
    assert isinstance(caught.value, NewsSearchError) and caught.value.found == found


def test_the_pinned_whoosh_is_accepted() -> None:
    check_version()
    check_version((*PINNED_WHOOSH, "final"))  # type: ignore[arg-type]


def run_fresh(code: str) -> str:
    """Run ``code`` in a new interpreter, which has imported nothing of newssearch."""
    out = subprocess.run([sys.executable, "-W", "error", "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_plain_whoosh_reads_phrases_in_a_fresh_process(tmp_index: NewsIndex) -> None:
    """Opening an index installs the positions codec it needs (it is unpickled with the schema):
    a phrase query through plain Whoosh finds what newssearch finds."""
    tmp_index.close()
    found = run_fresh(f"""
        import sys
        from whoosh import index, query
        ix = index.open_dir({str(tmp_index.path)!r})
        with ix.searcher() as searcher:
            hits = searcher.search(query.Phrase("body", ["char", "leopard"]))
            print(sorted(hit["id"].rsplit("/", 1)[-1] for hit in hits), "newssearch.indexing" in sys.modules)
    """)
    assert found == "['000_dd46387fd205eafe.txt', 'a1'] False"


def test_the_search_function_alone_reads_phrases_in_a_fresh_process(tmp_index: NewsIndex) -> None:
    tmp_index.close()
    found = run_fresh(f"""
        from whoosh import index
        from newssearch.searching import SearchRequest, search
        ix = index.open_dir({str(tmp_index.path)!r})
        with ix.searcher() as searcher:
            print(sorted(hit.id.rsplit("/", 1)[-1] for hit in search(searcher, SearchRequest('"chars Leopard"')).hits))
    """)
    assert found == "['000_dd46387fd205eafe.txt', 'a1']"


def test_a_reader_asks_each_segment_for_a_term_once(tmp_index: NewsIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """A query asks the same frequencies several times (BM25, the rerank, "did you mean", the
    versions of a hit), and whether each segment has each term: a reader answers them from
    what it was told, a new reader afresh."""
    from whoosh import index
    from whoosh.codec import whoosh3
    from whoosh.reading import ReaderClosed

    asked: list[tuple[str, str, bytes]] = []
    frequency, contains = whoosh3.W3TermsReader.doc_frequency, whoosh3.W3TermsReader.__contains__
    monkeypatch.setattr(whoosh3.W3TermsReader, "doc_frequency", lambda self, fieldname, text: asked.append(
        ("frequency", fieldname, text)) or frequency(self, fieldname, text))
    monkeypatch.setattr(whoosh3.W3TermsReader, "__contains__", lambda self, term: asked.append(
        ("in", *term)) or contains(self, term))
    tmp_index.add_articles([{"id": "z1", "title": "Zorglub", "body": "Le zorglub revient à Ramstein."}])
    tmp_index.close()
    ix = index.open_dir(str(tmp_index.path))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        segments = [segment for segment, _ in reader.leaf_readers()]
        assert len(segments) > 1  # the archive, then the added article
        counts = [reader.doc_frequency("body", "ramstein") for _ in range(3)]
        assert counts[0] > 1 and len(set(counts)) == 1
        has = [[("body", text) in segment for segment in segments] for text in ("zorglub", "zorglub", "inconnu")]
        assert has[0] == has[1] and any(has[0]) and not all(has[0]) and not any(has[2])
        assert asked.count(("frequency", "body", b"ramstein")) == len(segments)
        assert asked.count(("in", "body", b"zorglub")) == asked.count(("in", "body", b"inconnu")) == len(segments)
    with pytest.raises(ReaderClosed):  # a closed reader says so, as Whoosh's does
        _ = ("body", "zorglub") in segments[0]
    NewsIndex.open(tmp_index.path).add_articles([{"id": "z2", "title": "Ramstein", "body": "Ramstein et zorglub."}])
    with ix.searcher() as searcher:
        assert searcher.reader().doc_frequency("body", "ramstein") == counts[0] + 1
        newest, _ = searcher.reader().leaf_readers()[-1]
        assert ("body", "zorglub") in newest
