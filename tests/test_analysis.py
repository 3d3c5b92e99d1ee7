"""The French chain, table-driven (in the style of Lucene's assertAnalyzesTo)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.analysis import FRENCH_STOP_WORDS, analyse, fold, french_analyzer


@pytest.mark.parametrize(
    "text, terms",
    [
        ("États-Unis", ["etat", "unis"]),
        ("l’Ukraine", ["ukrain"]),
        ("l'Ukraine", ["ukrain"]),
        ("L’armée", ["arme"]),
        ("qu'il vienne", ["vien"]),
        ("jusqu'à Kiev", ["kiev"]),
        ("Jusqu’où", []),
        ("lorsqu'elle puisqu'on quoiqu'aujourd'hui", ["aujourd'hui"]),
        ("aujourd'hui", ["aujourd'hui"]),
        ("aujourd’hui", ["aujourd'hui"]),
        ("anti-US", ["anti", "us"]),
        ("an on may is", ["an", "may", "is"]),
        ("Jean-François", ["jean", "francois"]),
        ("1940-1945", ["1940", "1945"]),
        ("œuvre Æsope", ["oeuvr", "aesop"]),
        ("LE LA Les de DES", []),
        ("", []),
        ("« ! ? … — »", []),
        ("chars", ["char"]),
        ("Été été était même", []),
        ("ÉTAIT etait Où ou là dès", []),
        ("né à Lyon", ["ne", "lyon"]),  # né is a word, ne a stop word
        ("Ne le dis pas", ["dis"]),
        ("il a dû partir", ["du", "part"]),
        ("sécurité", ["secur"]),
        ("activités créée années", ["activ", "cre", "anne"]),
        ("des avions de chasse", ["avion", "chass"]),  # news says "avions" for planes: no stop word
        ("un avion, deux avions", ["avion", "deux", "avion"]),
        ("nous avons eu", []),  # the verb's other forms stay stop words
        ("les étés caniculaires", ["ete", "caniculair"]),  # "étés" is no verb ("été" is)
    ],
)
def test_analyzes_to(text: str, terms: list[str]) -> None:
    assert analyse(text) == terms


@pytest.mark.parametrize(
    "left, right",
    [
        ("États-Unis", "Etats-Unis"),
        ("États-Unis", "etats unis"),
        ("l’Ukraine", "Ukraine"),
        ("chars", "char"),
        ("allemande", "allemand"),
        ("œuvre", "oeuvre"),
        ("sécuritaires", "securitaires"),
        ("Sécurité", "SECURITE"),
        ("Médvédev", "Medvedev"),
        ("sécurité", "securite"),  # accents restored for the stemmer: -ité, -ée
        ("activités", "ACTIVITES"),
        ("Élysée", "Elysee"),
        ("créée", "creee"),
        ("née", "nee"),
    ],
)
def test_same_terms(left: str, right: str) -> None:
    assert analyse(left) == analyse(right)
    assert analyse(left)


@pytest.mark.parametrize(
    "left, right",
    [
        ("créée", "créer"),  # the participle and the infinitive share a stem
        ("publiées", "publier"),
        ("année", "annees"),
    ],
)
def test_suffix_accents_join_forms_of_one_word(left: str, right: str) -> None:
    assert analyse(left) == analyse(right)


def test_stop_words_leave_position_gaps() -> None:
    tokens = [(t.text, t.pos) for t in french_analyzer()("envoi de chars à l'Ukraine", positions=True)]
    assert tokens == [("envoi", 0), ("char", 2), ("ukrain", 5)]  # l' has its own position


def test_elision_moves_start_char_past_the_article() -> None:
    text = "vers l’Ukraine"
    tokens = [(t.startchar, t.endchar) for t in french_analyzer()(text, chars=True)]
    assert [text[start:end] for start, end in tokens] == ["vers", "Ukraine"]


def test_stop_list_is_french_and_folded() -> None:
    assert {"us", "an", "may", "is"}.isdisjoint(FRENCH_STOP_WORDS)
    assert {"ete", "etait", "meme", "a", "le", "des"} <= FRENCH_STOP_WORDS
    assert all(w == fold(w) for w in FRENCH_STOP_WORDS)


def test_prefix_text_is_not_dropped_as_stop_word() -> None:
    tokens = [t.text for t in french_analyzer()("de", mode="query", tokenize=False, removestops=False)]
    assert tokens == ["de"]


def test_analyzer_pickles_without_its_cache() -> None:
    import pickle

    analyzer = french_analyzer()
    list(analyzer("une phrase à mettre en cache"))
    clone = pickle.loads(pickle.dumps(analyzer))
    assert [t.text for t in clone("chars")] == ["char"]
    assert len(pickle.dumps(analyzer)) < 2000


@pytest.mark.parametrize("text", ["envoi de chars à l’Ukraine", "Les États-Unis, aujourd'hui !", "", "le la"])
def test_index_fast_path_gives_the_same_postings(text: str) -> None:
    from whoosh.formats import Positions

    from newssearch.engine import FrenchPositions

    analyzer = french_analyzer()
    fast = sorted(FrenchPositions().word_values(text, analyzer, mode="index"))
    slow = sorted(Positions.word_values(FrenchPositions(), text, analyzer, mode="index",  # Token pipeline
                                        removestops=False))
    # stop words are indexed with their positions, and a frequency of 0 (not in the length)
    assert fast == [(t, 0 if t.startswith("_") else f, w, v) for t, f, w, v in slow]


SNIPPET_TEXTS = [
    "envoi de chars à l’Ukraine", "Les États-Unis, aujourd'hui !", "", "le la", "L'ŒUVRE d’art qu’il aime",
    "jusqu'à l'an 2023 : 12,5 % des élèves", "l’ seul, d'", "rock'n'roll et l'euro",
    "l'État d'État x'État _État État_ 2État État2 ''État 'État l’État États étatique", "char chars Char. CHARS",
    "aujourd'hui, aujourd’hui et hui", "d'l'État qu'aujourd'hui", "Le Monde et le monde du Monde",
]


def _token_spans(text: str, terms: frozenset[str], prefixes: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """What the Token pipeline gives, filtered as spans_of filters."""
    return [(t.text, t.startchar, t.endchar) for t in french_analyzer()(text, chars=True)
            if t.text in terms or (prefixes and t.text.startswith(prefixes))]


@pytest.mark.parametrize("text", SNIPPET_TEXTS)
@pytest.mark.parametrize("terms, prefixes", [
    (frozenset(analyse("chars Ukraine État aujourd'hui monde euro roll œuvre an élève")), ()),
    (frozenset({"etat", "hui", "l", "_l", "_de"}), ()),  # stop words' terms are never given
    (frozenset(), ("e", "a", "c")),
    (frozenset({"char"}), ("mond",)),
])
def test_snippet_fast_path_gives_the_tokens_spans(text: str, terms: frozenset[str], prefixes: tuple[str, ...]) -> None:
    analyzer = french_analyzer()
    assert analyzer.spans_of(text, terms, prefixes) == _token_spans(text, terms, prefixes)
    assert analyzer.spans_of(text, terms, prefixes) == _token_spans(text, terms, prefixes)  # cached words


def test_snippet_fast_path_agrees_with_a_warm_and_a_cleared_word_cache() -> None:
    """The wanted words already in the word cache are found through its forms by term; the
    cache is cleared when full, and the forms with it."""
    analyzer = french_analyzer()
    words = analyzer.items[1].words
    words.cache_size = 7
    terms = frozenset(analyse("chars Ukraine État aujourd'hui monde euro"))
    for text in SNIPPET_TEXTS * 3:
        expected = _token_spans(text, terms, ())
        assert analyzer.spans_of(text, terms) == expected
        assert analyzer.written(text, terms) == {text[start:end] for _, start, end in expected}
        by_term: dict[str, list[str]] = {}
        for word, term in words._cache.items():
            if word not in words.elided:
                by_term.setdefault(term, []).append(word)
        assert words.forms()[1] == by_term and words.elided <= set(words._cache)


def test_threads_sharing_the_word_cache_find_the_same_spans() -> None:
    """A web server's threads share one analyzer: the forms of the cache are built, and words
    added, while other threads scan texts (a small cache, cleared often, switching threads
    every microsecond)."""
    import sys
    import threading

    analyzer = french_analyzer()
    words = analyzer.items[1].words
    words.cache_size = 40
    terms = frozenset(analyse("chars Ukraine État aujourd'hui monde euro"))
    texts = [f"{text} mot{n} Mot{n}s" for n, text in enumerate(SNIPPET_TEXTS * 20)]
    expected = [_token_spans(text, terms, ()) for text in texts]
    failures: list[object] = []

    def scan(offset: int) -> None:
        try:
            for i in range(len(texts)):
                k = (i + offset) % len(texts)
                if analyzer.spans_of(texts[k], terms) != expected[k]:
                    failures.append(texts[k])
        except Exception as error:  # noqa: BLE001 - a race shows as any exception
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=scan, args=(n * 37,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    every = [word for forms in words.forms()[1].values() for word in forms]
    assert sorted(every) == sorted(set(every)) == sorted(set(words._cache) - words.elided)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["l'", "d’", "qu'", "État", "état", "x", "_", "2", "'", "’", " ", "-", "aujourd'hui",
                                 "chars", "Char", "é", ".", "\n", "hui", "il"]), max_size=25),
       st.sets(st.sampled_from(["etat", "char", "hui", "aujourd'hui", "x", "2", "l", "_l"])))
def test_snippet_fast_path_agrees_on_any_text(pieces: list[str], terms: set[str]) -> None:
    text = "".join(pieces)
    assert french_analyzer().spans_of(text, frozenset(terms)) == _token_spans(text, frozenset(terms), ())
