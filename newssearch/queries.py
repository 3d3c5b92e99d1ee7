"""Query parsing: Whoosh syntax (the parser of syntax.py), read through the French chain,
with French-safe defaults:
- malformed input (unbalanced quotes or parentheses, an unknown ``field:``) is an error,
  not silently "repaired" into a different query;
- ``source:`` and ``date:``/``published:`` are filters (filters.py); date ranges accept
  ``<``, ``>`` and natural forms;
- questions lose their question words, and names typed with their capitals add their
  phrase (names.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema

from .analysis import analyse, exact_form, fold, is_stop_term
from .config import DEFAULT_RANKING, MAX_QUERY_CHARS, Ranking
from .errors import QueryError
from .engine import unscored
from .filters import FILTER_FIELDS, Filters, extract_filters
from .names import names_in, quote_excluded_stop_words
from .schema import BODY, QUERY_FIELDS, TITLE
from .syntax import WordsAnd, make_parser

_FIELD_SYNTAX = re.compile(r"(?<![\w\"])([^\W\d_][\w]*):(?=\S)")
_COLON_AS_PUNCTUATION = re.compile(r"(\w):(?=\s|$)")
_MINUS_AS_NOT = re.compile(r"(^|[\s(])-(?=[\w\"(])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def loosened(q: wq.Query, quotation: int = 0) -> wq.Query:
    """``q`` with words written side by side made optional (any of them may match); explicit
    AND, phrases and the rest stay as written, except that a quoted phrase of ``quotation``
    words or more (a quotation in a pasted headline) is its words too, the phrase adding to
    their score: an article that reports the quote in other words is found."""
    if isinstance(q, WordsAnd):
        children = [child for child in q.children() if not _stop_words_only(child)] or q.children()
        return wq.Or([loosened(child, quotation) for child in children], boost=q.boost)
    if isinstance(q, wq.Phrase) and quotation and len(q.words) >= quotation:
        words = [wq.Term(q.fieldname, w, boost=q.boost) for w in dict.fromkeys(q.words) if not is_stop_term(w)]
        return wq.Or([q, *words])
    return q if q.is_leaf() else q.apply(lambda child: loosened(child, quotation))


def _stop_words_only(q: wq.Query) -> bool:
    """Whether ``q`` is made of stop words alone (``est-t-il``, ``c'est-à-dire``): among other
    words, any of which may match, it finds most articles, each scored for stop words only,
    and its phrase reads every posting of each."""
    leaves = [q] if q.is_leaf() else list(q.leaves())
    return bool(leaves) and all(isinstance(leaf, wq.Phrase) and all(map(is_stop_term, leaf.words))
                                or isinstance(leaf, wq.Term) and is_stop_term(leaf.text) for leaf in leaves)


@dataclass(frozen=True)
class ParsedQuery:
    """The Whoosh query (all words required), the same with any word (``any_query``), and the
    terms and prefixes to highlight."""

    query: wq.Query
    terms: frozenset[str]
    prefixes: tuple[str, ...]
    words: int
    exact: frozenset[str] = frozenset()  # the query's words as written (folded, not stemmed)
    ordered: tuple[str, ...] = ()  # the query's terms in the order written
    question: bool = False  # the text reads as a French question
    any_query: wq.Query | None = None
    filters: Filters = Filters()  # source: and date: written in the query
    fuzzy: tuple[tuple[str, int, int], ...] = ()  # (term, edits, prefix) of word~ terms, to highlight

    @property
    def unscored(self) -> bool:
        """Filters alone, or filters but excluded words: no word to score the articles by."""
        return unscored(self.query)

    @property
    def loose(self) -> wq.Query:
        """The query with any word allowed to match."""
        return self.any_query if self.any_query is not None else self.query

    @property
    def stop_phrases(self) -> tuple[tuple[tuple[int, str], ...], ...]:
        """The exact phrases of the query that hold a stop word ("La Une", Notre-Dame), each as
        (relative position, term) of its words, stop words' marked terms included: snippets
        light them up whole, where the terms alone leave the stop words out."""
        found = {tuple(zip(getattr(leaf, "positions", range(len(leaf.words))), leaf.words))
                 for leaf in _positive_leaves(self.query)
                 if isinstance(leaf, wq.Phrase) and leaf.slop <= 1 and any(map(is_stop_term, leaf.words))}
        return tuple(sorted(found))


_DANGLING_OPERATOR = re.compile(r"^(?:(?:AND|OR)\s+)+|(?:\s+(?:AND|OR|NOT))+$")  # no word on one side


def clean_query(text: str) -> str:
    """Check the raw query text and make it safe for the parser; QueryError when malformed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is too long ({len(text):,} characters, limit {MAX_QUERY_CHARS:,}).")
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        raise QueryError("The query is empty.")
    if text.count('"') % 2:
        raise QueryError(f"Unbalanced quote in query: {text}")
    depth = 0
    for i, part in enumerate(text.split('"')):
        if i % 2:  # inside quotes
            continue
        for ch in part:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                raise QueryError(f"Unbalanced parenthesis in query: {text}")
    if depth:
        raise QueryError(f"Unbalanced parenthesis in query: {text}")
    parts = _COLON_AS_PUNCTUATION.sub(r"\1 ", text).split('"')  # "Macron : ..." is not a field
    for i in range(0, len(parts), 2):  # outside quotes, "-mot" means NOT mot
        parts[i] = _MINUS_AS_NOT.sub(r"\1NOT ", parts[i])
    text = _DANGLING_OPERATOR.sub("", '"'.join(parts)).strip()  # "Ouattara AND": AND was the word "and"
    for name in _FIELD_SYNTAX.findall(text):
        if name.lower() not in QUERY_FIELDS and name.lower() not in FILTER_FIELDS:
            known = ", ".join(sorted(set(QUERY_FIELDS) | set(FILTER_FIELDS) - {"published"}))
            raise QueryError(f"Unknown field '{name}:' in query (known fields: {known}).")
    return re.sub(r"(?<![\w\"])([^\W\d_]\w*):", lambda m: m.group(1).lower() + ":", text)


# French interrogatives: in a question they carry no topic, like stop words.
QUESTION_WORDS = frozenset(fold(w) for w in (
    "combien comment pourquoi quand où quoi lequel laquelle lesquels lesquelles auquel auxquels "
    "auxquelles duquel desquels desquelles est-ce").split())
# Words that name what a question asks for ("en quelle année", "quel est le nom de"): the
# answer, not the topic, so a relevant article rarely repeats them. Dropped from questions only.
ANSWER_TYPE_WORDS = frozenset(fold(w) for w in (
    "année années date dates époque jour moment nom noms nombre pays personne personnes siècle "
    "siècles type types ville villes lieu lieux").split())
# A text is a question when it ends with '?', starts with an interrogative or holds one of
# the interrogatives that only questions use; compared with accents ("où" is not "ou").
_ASKING = frozenset("qui que qu quoi quel quelle quels quelles quand où comment pourquoi combien lequel "
                    "laquelle lesquels lesquelles est-ce".split())
_ASKING_ANYWHERE = frozenset("quel quelle quels quelles combien pourquoi lequel laquelle lesquels lesquelles".split())
_LOWER_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_BARE_WORD = re.compile(r"(?<![\w:*'’-])[^\W\d_][\w'’-]*(?![\w:*])")
_PLAIN_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_OPERATOR = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")


def is_question(text: str) -> bool:
    """Whether ``text`` reads as a French question rather than keywords."""
    if text.rstrip().endswith("?"):
        return True
    words = _LOWER_WORD.findall(text.lower().replace("’", "'"))
    return bool(words) and (words[0] in _ASKING or not _ASKING_ANYWHERE.isdisjoint(words))


def plain_words(text: str) -> str:
    """The words of ``text`` without any query syntax (quotes, brackets, fields, operators)."""
    return " ".join(_PLAIN_WORD.findall(_OPERATOR.sub(lambda m: m.group().lower(), text)))


def drop_question_words(text: str, dropped: frozenset[str] = QUESTION_WORDS) -> str:
    """Remove bare ``dropped`` words outside quotes, unless no searchable word would be left."""
    parts = text.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = _BARE_WORD.sub(lambda m: "" if fold(m.group()) in dropped else m.group(), parts[i])
    kept = '"'.join(parts)
    return kept if '"' in kept or any(analyse(w) for w in _PLAIN_WORD.findall(kept)) else text


def parse_query(schema: Schema, text: str, *, ranking: Ranking = DEFAULT_RANKING, filtered: bool = False) -> ParsedQuery:
    """Parse ``text`` once; raise QueryError when it is malformed or has no searchable word.
    With ``ranking.lenient_questions``, a question or pasted text (a headline with a stray
    quote, parenthesis or colon) whose syntax is malformed is searched for its plain words
    instead. A query that only excludes words (``NOT x``, ``-x``) is every article that the
    filters let through (those of the query, or the search's own: ``filtered``) but those
    with the words; without a filter it is an error."""
    question = is_question(text)
    try:
        return _parse(schema, text, ranking, question, filtered)
    except QueryError as error:
        if len(text) > MAX_QUERY_CHARS:  # the limit holds for any text
            raise
        words = plain_words(text)
        pasted = len(words.split()) >= ranking.pasted_words
        words = words if ranking.lenient_questions and (question or pasted) else ""
        if not words or words == text:
            raise
        try:
            return _parse(schema, words, ranking, question, filtered)
        except QueryError:
            raise error from None


def _parse(schema: Schema, text: str, ranking: Ranking, question: bool, filtered: bool) -> ParsedQuery:
    cleaned, filters = extract_filters(clean_query(text))
    if ranking.question_words:
        dropped = QUESTION_WORDS
        if ranking.answer_type_words and is_question(text):
            dropped = QUESTION_WORDS | ANSWER_TYPE_WORDS
        cleaned = drop_question_words(cleaned, dropped)
    if "NOT" in cleaned:
        cleaned = quote_excluded_stop_words(cleaned, schema[BODY].analyzer)
    if not cleaned.strip():  # only filters (source:, date:): every article they let through
        return ParsedQuery(wq.Every(), frozenset(), (), 0, question=question, filters=filters)
    parser = make_parser(schema, title_boost=ranking.title_boost)
    q = _whoosh_parse(parser, cleaned, text)
    if not _searchable(q) and any(isinstance(node, wq.Not) for node in [q, *q.children()]):
        excluded = [q] if isinstance(q, wq.Not) else list(q.children()) if isinstance(q, wq.And) else []
        if (filtered or filters.narrows) and excluded and all(isinstance(node, wq.Not) for node in excluded):
            # every article the filters let through, but those with the words (engine.matches)
            return ParsedQuery(wq.And([wq.Every(), *excluded]), frozenset(), (), 0, question=question, filters=filters)
        raise QueryError(f"The query {text!r} only excludes words (NOT, -word), which matches nothing: "
                         "add a word to search for, as in 'Ouattara NOT Gbagbo', or a filter, as in "
                         "'source:AFP NOT Gbagbo'.")
    if not _searchable(q) and '"' not in cleaned and (words := plain_words(cleaned)):
        q = _whoosh_parse(parser, f'"{words}"', text)  # only stop words: a name such as "La Une"
    if not _searchable(q):
        raise QueryError(f"The query {text!r} has no searchable words (only punctuation).")
    if ranking.names and not question and len(plain_words(cleaned).split()) < ranking.pasted_words:  # keywords
        q = _with_names(q, [_whoosh_parse(parser, f'"{name}"', text) for name in names_in(cleaned, schema[BODY].analyzer)],
                        ranking.names)
    terms, prefixes, fuzzy = _positive_terms(q)
    tokens = [t.copy() for t in schema[BODY].analyzer(cleaned, keeporiginal=True, mode="query") if t.text in terms]
    return ParsedQuery(q, frozenset(terms), tuple(sorted(prefixes)), len(terms) + len(prefixes) + len(fuzzy),
                       frozenset(exact_form(t.original) for t in tokens), tuple(t.text for t in tokens),
                       question, loosened(q, ranking.pasted_words), filters, tuple(sorted(fuzzy)))


def _with_names(q: wq.Query, names: list[wq.Query], boost: float) -> wq.Query:
    """``q`` ANDMAYBE the ``names`` (parsed phrases), their phrases' scores times ``boost``."""
    for name in names:
        for leaf in name.leaves() if not name.is_leaf() else [name]:
            leaf.boost *= boost
    return wq.AndMaybe(q, names[0] if len(names) == 1 else wq.Or(names)) if names else q


def _whoosh_parse(parser: Any, cleaned: str, text: str) -> wq.Query:
    try:
        q = parser.parse(cleaned)
    except Exception as exc:  # Whoosh raises many types on odd syntax
        raise QueryError(f"Cannot parse query {text!r}: {exc}") from exc
    for node in [q, *q.leaves()]:
        if isinstance(node, wq.Every) or isinstance(node, wq.Wildcard) and not node.text.strip("*?"):
            raise QueryError("A wildcard alone would match every article: give at least two letters before it.")
        if isinstance(node, wq.Prefix) and len(node.text) < 2:
            raise QueryError(f"The wildcard '{node.text}*' is too short: give at least two letters.")
    return q


def _searchable(q: wq.Query) -> bool:
    return q is not wq.NullQuery and any(leaf is not wq.NullQuery for leaf in _positive_leaves(q))


def _positive_terms(q: wq.Query) -> tuple[set[str], set[str], set[tuple[str, int, int]]]:
    """The terms to highlight and rank by (stop words' aside), prefixes, and fuzzy terms."""
    terms: set[str] = set()
    prefixes: set[str] = set()
    fuzzy: set[tuple[str, int, int]] = set()
    for node in _positive_leaves(q):
        if isinstance(node, wq.Prefix):
            prefixes.add(node.text)
        elif isinstance(node, wq.Wildcard):
            prefixes.add(node.text.split("*", 1)[0])
        elif isinstance(node, wq.FuzzyTerm):
            fuzzy.add((node.text, node.maxdist, node.prefixlength))
        elif isinstance(node, wq.Phrase):
            terms.update(w for w in node.words if not is_stop_term(w))
        elif isinstance(node, wq.Term) and node.fieldname in (TITLE, BODY) and not is_stop_term(node.text):
            terms.add(node.text)
    return terms, prefixes, fuzzy


def _positive_leaves(q: wq.Query) -> Iterator[wq.Query]:
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
        return
    if isinstance(q, (wq.Phrase, wq.Term, wq.Prefix, wq.Wildcard)) or q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)
