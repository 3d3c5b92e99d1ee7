"""Term-at-a-time matching (engine/matching.py) finds what Whoosh's matchers find, with the
same scores, whatever the query's shape, the segments and the deletions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from newssearch import NewsIndex
from newssearch.config import Ranking
from newssearch.engine import match
from newssearch.indexing import update_index
from newssearch.queries import parse_query
from newssearch.searching import weighting

from .conftest import write_jsonl

QUERIES = ["char", "chars Leopard", "char OR Leopard OR Ukraine", "chars -Leopard", "Etats-Unis chars",
           '"envoi de chars" OR Abrams', "Medved* Ukraine", "title:char musée", "(char OR musée) AND Saumur",
           "Quel pays livre des chars à l'Ukraine ?", "Medvedv~ alliance", "char ANDMAYBE allemand",
           # phrases: stop words inside, gaps left by what is not indexed, slop, repeated and
           # missing words, a pasted quotation (any-word: the phrase or its words)
           '"de chars"', '"chars vers l\'Ukraine"', '"Abrams Abrams"', '"envoi chars"~3', '"chars Leopard"~2',
           '"le musée de Saumur" expose', 'title:"numéro 4"', '"envoi de chars" "Leopard vers"', '"chars inconnus" OR Abrams',
           'Medvedev: "Medvedev évoque une alliance avec les États-Unis" dépêche',
           '"Envoi de chars 🙂 Leopard"', '"Ukraine, dépêche 7"']


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    """Three segments (three runs), a changed file (deletions), the conftest articles and more;
    not merged (merging would expunge the deletions)."""
    folder = tmp_path_factory.mktemp("segmented")
    records = [{"id": f"d{i}", "title": f"Char numéro {i}" if i % 3 else f"Musée {i}",
                "body": f"Envoi de chars {'Leopard ' if i % 4 else ''}vers l'Ukraine, dépêche {i}. "
                        + "Abrams " * (i % 4) + ("Le musée de Saumur expose un char allemand. " if i % 5 == 0 else "")
                        + ("Medvedev évoque une alliance avec les États-Unis." if i % 7 == 0 else "")}
               for i in range(60)]
    for part in range(3):
        write_jsonl(folder / f"part{part}.jsonl", records[part * 20:(part + 1) * 20])
        update_index(folder / "ix", [folder / f"part{part}.jsonl"], procs=1, group=False, merge=False)
    write_jsonl(folder / "part1.jsonl", records[20:30])  # ten articles deleted
    update_index(folder / "ix", [folder / f"part{p}.jsonl" for p in range(3)], procs=1, group=False, merge=False)
    return NewsIndex.open(folder / "ix")


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("ranking", [Ranking(), Ranking(k1=2.0, b=0.9, title_b=0.3, title_boost=3.0),
                                     Ranking(lucene_idf=True)])
@pytest.mark.parametrize("loose", [False, True])
@pytest.mark.parametrize("many", [256, 1])  # 1: every phrase's candidates checked together (_sequences)
def test_the_matches_and_scores_of_whooshs_matchers(segmented: NewsIndex, text: str, ranking: Ranking,
                                                   loose: bool, many: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from newssearch.engine import matching

    monkeypatch.setattr(matching, "_MANY", many)
    with segmented._searchers.borrow() as searcher:
        assert len(searcher.leaf_searchers()) >= 2 and searcher.reader().has_deletions()
        parsed = parse_query(searcher.schema, text, ranking=ranking)
        q = parsed.loose if loose else parsed.query
        model = weighting(ranking)
        searcher.weighting, saved = model, searcher.weighting
        try:
            theirs = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}
        finally:
            searcher.weighting = saved
        ours = match(searcher, q, weighting=model)
    assert ours.keys() == theirs.keys() and (theirs or not loose and parsed.question)
    assert all(math.isclose(ours[d], theirs[d], rel_tol=1e-12) for d in ours)


def test_a_filter_keeps_only_what_it_lets_through(segmented: NewsIndex) -> None:
    with segmented._searchers.borrow() as searcher:
        q = parse_query(searcher.schema, "char OR Leopard").loose
        everything = match(searcher, q, weighting=weighting())
        only = wq.Term("id", "d7")
        assert match(searcher, q, weighting=weighting(), restrict=only) == {d: s for d, s in everything.items()
                                                                            if searcher.stored_fields(d)["id"] == "d7"}


def test_filters_alone_match_every_live_article(segmented: NewsIndex) -> None:
    with segmented._searchers.borrow() as searcher:
        found = match(searcher, wq.Every(), weighting=weighting())
        assert sorted(found) == sorted(searcher.document_numbers()) and set(found.values()) == {0.0}
        assert len(found) == 50


def test_an_empty_index_matches_nothing(tmp_path: Path) -> None:
    with NewsIndex.open(tmp_path / "ix", create=True) as ix, ix._searchers.borrow() as searcher:
        assert match(searcher, wq.Term("body", "char"), weighting=weighting()) == {}


@pytest.mark.parametrize("budget", [0, 2000, 10**9])
def test_kept_postings_give_the_same_matches_whatever_the_budget(segmented: NewsIndex, budget: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from newssearch.engine import postings as matching

    monkeypatch.setattr(matching, "DECODED_BYTES", budget)
    monkeypatch.setattr(matching, "_DECODED", matching._Kept())
    with segmented._searchers.borrow() as searcher:
        queries = [parse_query(searcher.schema, text).loose for text in QUERIES]
        first = [match(searcher, q, weighting=weighting()) for q in queries]
        again = [match(searcher, q, weighting=weighting()) for q in reversed(queries)]
    assert again[::-1] == first
    kept = matching._DECODED
    assert kept.size == sum(i.nbytes + w.nbytes for (i, w), _ in kept.items.values()) <= budget
    assert bool(kept.items) == (budget > 0)


def test_an_index_changed_since_is_not_answered_from_kept_postings(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "title": "", "body": "Un char Leopard."}])
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add([tmp_path / "a.jsonl"])
    assert [h.id for h in ix.search("Leopard")] == ["a"]
    write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "title": "", "body": "Deux chars Leopard, Leopard."}])
    ix.add([tmp_path / "b.jsonl"])
    assert [h.id for h in ix.search("Leopard")] == ["b", "a"]


@pytest.mark.parametrize("budget", [0, 2000, 10**9])
def test_kept_blocks_give_the_same_positions_whatever_the_budget(segmented: NewsIndex, budget: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The rerank's reads (term_positions) go through the kept blocks: asked twice, in both
    # orders, they give what the analyser finds in the stored text, and the room they take
    # is counted.
    from newssearch.engine import postings, term_positions, termpositions
    from newssearch.schema import BODY

    monkeypatch.setattr(postings, "BLOCK_BYTES", budget)
    monkeypatch.setattr(postings, "_BLOCKS", postings._Kept())
    monkeypatch.setattr(termpositions, "kept_ids", lambda *args: None)  # every block that may hold one is read
    with segmented._searchers.borrow() as searcher:
        analyzer = searcher.schema[BODY].analyzer
        docnums = list(searcher.document_numbers())
        terms = {t for d in docnums for t in analyzer.terms(searcher.stored_fields(d)[BODY]) if not t.startswith("_")}
        expected = {d: [(pos, t) for pos, t in enumerate(analyzer.terms(searcher.stored_fields(d)[BODY])) if t in terms]
                    for d in docnums}
        for order in (docnums, docnums[::-1], docnums[::3]):
            found = term_positions(searcher, BODY, terms, order)
            assert found == {d: expected[d] for d in order}
    assert postings._BLOCKS.size == sum(size for _, size in postings._BLOCKS.items.values()) <= budget
    assert bool(postings._BLOCKS.items) == (budget > 0)

@pytest.mark.parametrize("ids, docnums, holding", [
    ([1, 3, 5], [0, 1, 2, 5, 7], [1, 5]),
    ([1, 3, 5], [6, 7], []),
    ([], [0, 1], []),
    ([2], [], []),
    ([0, 9], [0, 9], [0, 9]),
])
def test_the_documents_holding_a_term_are_those_of_its_ids(ids: list[int], docnums: list[int], holding: list[int]) -> None:
    from newssearch.engine.termpositions import _holding

    assert _holding(np.array(ids, np.int64), docnums) == holding


@pytest.mark.parametrize("ids, weights, narrow", [
    ([1, 5, 9], [1.0, 2.0, 3.0], (np.int32, np.float32)),
    ([1, 2**31], [1.0, 2.0], (np.int64, np.float32)),  # an id past int32
    ([1, 5], [1.0, 0.1], (np.int32, np.float64)),  # a weight that float32 does not hold exactly
    ([], [], (np.int64, np.float32)),
])
def test_kept_postings_take_half_the_room_where_that_loses_nothing(ids: list[int], weights: list[float],
                                                                    narrow: tuple[type, type]) -> None:
    from newssearch.engine.postings import _compact

    kept = _compact(np.array(ids, np.int64), np.array(weights, np.float64))
    assert (kept[0].dtype, kept[1].dtype) == narrow
    assert kept[0].tolist() == ids and kept[1].tolist() == weights


def test_kept_postings_are_given_back_as_decoded(segmented: NewsIndex) -> None:
    from newssearch.engine import postings

    with segmented._searchers.borrow() as searcher:
        sub, _ = searcher.leaf_searchers()[0]
        reader, field = sub.reader(), searcher.schema["body"]
        btext = next(text for name, text in reader.all_terms() if name == "body")
        first = postings.arrays(reader, "body", btext, field.format)
        again = postings.arrays(reader, "body", btext, field.format)
        assert postings.kept_ids(reader, "body", btext) is not None
    assert [a.dtype for a in first] == [a.dtype for a in again] == [np.int64, np.float64]
    assert [a.tolist() for a in first] == [a.tolist() for a in again]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.lists(st.integers(0, 40), max_size=6), min_size=3, max_size=3), min_size=1, max_size=5),
       st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(1, 3), st.integers(0, 2)), min_size=2, max_size=2))
def test_phrase_candidates_checked_together_or_one_by_one_agree(docs: list[list[list[int]]], order: list[int],
                                                                spans: list[tuple[int, int]]) -> None:
    # docs[d][w]: the positions of word w in document d; the phrase is the words in ``order``
    # (repeats allowed), each at one of the distances of ``spans`` after the one before it.
    from newssearch.engine.matching import _in_sequence, _sequences
    from newssearch.engine.positions import encode_positions

    words = [f"w{w}" for w in order]
    distances = [range(low, low + extra + 1) for low, extra in spans][:len(words) - 1]
    kept = [d for d, positions in enumerate(docs) if all(positions[w] for w in order)]  # candidates hold every word
    held = {f"w{w}": {d * 7: (1.0, encode_positions(sorted(set(docs[d][w])))) for d in kept} for w in set(order)}
    one_by_one = [d * 7 for d in kept if _in_sequence([sorted(set(docs[d][w])) for w in order], distances)]
    assert _sequences(held, words, [d * 7 for d in kept], distances) == one_by_one


def test_a_word_said_hundreds_of_times_in_one_candidate_keeps_the_phrase_checked_together() -> None:
    # "de" 254 times or more in one article has another value layout (a 4-byte count): the
    # phrase "de la France" at 100,000 articles went back to checking 14,000 candidates one
    # by one for five such articles, 2.4 s instead of a tenth of that.
    from newssearch.engine.matching import _in_sequence, _sequences
    from newssearch.engine.positions import encode_positions

    docs = {d: {"de": [0, 10], "la": [1, 20], "franc": [2]} for d in range(0, 40, 2)}
    docs[6] = {"de": list(range(0, 900, 3)), "la": [301, 601], "franc": [602]}  # "de la France" at 600
    docs[8] = {"de": list(range(0, 900, 3)), "la": [5], "franc": [6]}  # "de" 300 times, no phrase
    held = {w: {d: (1.0, encode_positions(p[w])) for d, p in docs.items()} for w in ("de", "la", "franc")}
    words, distances = ["de", "la", "franc"], [range(1, 2)] * 2
    one_by_one = [d for d in sorted(docs) if _in_sequence([docs[d][w] for w in words], distances)]
    assert _sequences(held, words, sorted(docs), distances) == one_by_one and 6 in one_by_one and 8 not in one_by_one


def test_positions_read_as_arrays_are_those_of_each_posting(tmp_path: Path) -> None:
    # positions_of reads whole blocks (128 postings) and splits them by their weights; on
    # terms of several blocks, blocks skipped, one article saying "de" 300 times (a 4-byte
    # count), it gives each wanted posting's weight and positions as postings() does.
    from newssearch.engine.positions import decode_positions
    from newssearch.engine.postings import positions_of, postings

    records = [{"id": f"d{i}", "title": "", "body": " ".join(
        ["de la France"] * (i % 4) + ["Une"] * (i % 3 == 0) + (["de"] * 300 if i == 333 else []) + [f"mot{i % 7} fin"])}
        for i in range(700)]
    write_jsonl(tmp_path / "a.jsonl", records)
    update_index(tmp_path / "ix", [tmp_path / "a.jsonl"], procs=1, group=False, merge=False)
    with NewsIndex.open(tmp_path / "ix") as ix, ix._searchers.borrow() as searcher:
        (sub, _), = searcher.leaf_searchers()
        reader, field = sub.reader(), searcher.schema["body"]
        for term in ("_de", "_la", "franc", "_une", "mot3", "fin"):
            btext = field.to_bytes(term)
            for wanted in (range(700), range(0, 700, 5), range(130, 140), [333], range(600, 700, 3), []):
                docnums = np.array(list(wanted), np.int64)
                read = positions_of(reader, "body", btext, field.format, docnums)
                expected = postings(reader, "body", btext, field.format, list(wanted))
                assert read is not None and read.ids.tolist() == sorted(expected)
                assert read.weights.tolist() == [expected[d][0] for d in sorted(expected)]
                assert read.keys.tolist() == [(d << 32) | p for d in sorted(expected)
                                              for p in decode_positions(expected[d][1])]
        assert len(list(reader.postings("body", field.to_bytes("_de")).all_ids())) > 256  # several blocks


@pytest.mark.parametrize("values, counts, ok", [
    ([[3], [1, 2]], [1, 2], True),
    ([list(range(300)), [7]], [300, 1], True),  # a 4-byte count
    ([[3], [1, 2]], [2, 1], False),  # counts that are not the values'
    ([[3], [1, 2]], [1, 1], False),  # values left over
    ([[1, 70_000]], [2], False),  # 32-bit deltas
    ([], [], True),
])
def test_values_are_split_by_their_counts_only_when_their_heads_agree(values: list[list[int]], counts: list[int],
                                                                      ok: bool) -> None:
    from newssearch.engine.positions import encode_positions, keys_at, value_starts

    buf = np.frombuffer(b"".join(encode_positions(v) for v in values), np.uint8)
    starts = value_starts(buf, np.array(counts, np.int64))
    assert (starts is not None) == ok
    if ok:
        keys = keys_at(buf, starts, np.array(counts, np.int64), np.arange(len(values), dtype=np.int64))
        assert keys.tolist() == [(d << 32) | p for d, v in enumerate(values) for p in v]
