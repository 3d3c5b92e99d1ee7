"""source: and date: written in a query filter exactly as --source, --since and --until do:
the source matched exactly and never searched or highlighted in the text, a date a day, a
month or a year; malformed dates are errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from newssearch import NewsIndex, QueryError
from newssearch.filters import date_range, extract_filters


def hits(ix: NewsIndex, query: str, **kwargs: object) -> list[tuple[str, float]]:
    return [(hit.id, hit.score) for hit in ix.search(query, limit=50, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("query, words, options", [
    ('char source:"Le Courrier du Nord"', "char", {"source": "Le Courrier du Nord"}),
    ('char source:"le courrier du NORD"', "char", {"source": "Le Courrier du Nord"}),
    ('sécurité source:"La Gazette de Lyon"', "sécurité", {"source": "la gazette de lyon"}),
    ("char date:2021", "char", {"since": "2021-01-01", "until": "2021-12-31"}),
    ("char OR alliance date:2023-01", "char OR alliance", {"since": "2023-01-01", "until": "2023-01-31"}),
    ("char OR alliance date:2023-01-25", "char OR alliance", {"since": "2023-01-25", "until": "2023-01-25"}),
    ("char OR alliance date:>2023-01-23", "char OR alliance", {"since": "2023-01-24"}),
    ("char OR alliance date:>=2023-01-23", "char OR alliance", {"since": "2023-01-23"}),
    ("char OR alliance date:<2023-01-25", "char OR alliance", {"until": "2023-01-24"}),
    ("char OR alliance date:<=2022", "char OR alliance", {"until": "2022-12-31"}),
    ("char OR alliance date:[2021-01-01 to 2022-12-31]", "char OR alliance",
     {"since": "2021-01-01", "until": "2022-12-31"}),
    ("char OR alliance date:[2022 to]", "char OR alliance", {"since": "2022-01-01"}),
    ("char OR alliance date:[to 2022]", "char OR alliance", {"until": "2022-12-31"}),
])
def test_a_filter_in_the_query_is_the_option(tmp_index: NewsIndex, query: str, words: str,
                                             options: dict[str, str]) -> None:
    found = hits(tmp_index, query)
    assert found and found == hits(tmp_index, words, **options)


def test_a_source_is_never_searched_or_highlighted_in_the_text(tmp_index: NewsIndex) -> None:
    # "Courrier" and "Nord" are words of the source, not of the articles: nothing else matches
    [hit] = tmp_index.search('Abrams source:"Le Courrier du Nord"')
    assert hit.id == "a1" and hit.title_spans == () and [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["Abrams"]
    assert tmp_index.search("source:Courrier") == []  # exact, as --source Courrier


def test_filters_alone_list_what_they_let_through(tmp_index: NewsIndex) -> None:
    assert {hit.id for hit in tmp_index.search('source:"Le Courrier du Nord"')} == {"a1", "a3"}
    assert {hit.id.rsplit("/", 1)[-1] for hit in tmp_index.search("date:2023-01")} == \
        {"a1", "a4", "000_dd46387fd205eafe.txt"}


@pytest.mark.parametrize("spec", ["[", "[2020", "]", "yesterday", ">", "2023-13-01", "2023-02-30", "[ to ]", "20230101"])
def test_malformed_dates_are_errors(tmp_index: NewsIndex, spec: str) -> None:
    with pytest.raises(QueryError, match="date"):
        tmp_index.search(f"char date:{spec}")


@pytest.mark.parametrize("query", ["char date:[2021-01-01 to 2019-01-01]", "char date:>2023 date:<2022"])
def test_a_reversed_date_range_is_an_error(tmp_index: NewsIndex, query: str) -> None:
    with pytest.raises(QueryError):
        tmp_index.search(query)


def test_query_dates_and_options_must_both_hold(tmp_index: NewsIndex) -> None:
    assert hits(tmp_index, "char OR alliance date:2023", since="2023-01-24") == \
        hits(tmp_index, "char OR alliance", since="2023-01-24", until="2023-12-31")
    with pytest.raises(QueryError, match="since .* is after until"):
        tmp_index.search("char date:2021", since="2023-01-01")


@pytest.mark.parametrize("spec, first, last", [
    ("2023-01-23", datetime(2023, 1, 23), datetime(2023, 1, 23, 23, 59, 59, 999999)),
    ("2024-02", datetime(2024, 2, 1), datetime(2024, 2, 29, 23, 59, 59, 999999)),
    (">2023", datetime(2024, 1, 1), None),
    ("<2023-03", None, datetime(2023, 2, 28, 23, 59, 59, 999999)),
])
def test_date_ranges(spec: str, first: datetime | None, last: datetime | None) -> None:
    assert date_range(spec) == (first, last)


@pytest.mark.parametrize("text, rest, sources, excluded", [
    ('char source:"Le Monde"', "char ", ("le monde",), ()),
    ("char -source:x", "char ", (), ("x",)),
    ("char NOT source:x", "char ", (), ("x",)),
    ('"voir source:x" a', '"voir source:x" a', (), ()),  # inside a phrase: words
    ("source:a source:b", " ", ("a", "b"), ()),  # either source
])
def test_extracting_filters(text: str, rest: str, sources: tuple[str, ...], excluded: tuple[str, ...]) -> None:
    remaining, filters = extract_filters(text)
    assert (remaining, filters.sources, filters.excluded) == (rest, sources, excluded)
