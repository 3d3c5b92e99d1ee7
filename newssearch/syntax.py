"""The Whoosh query parser, set up for French (``make_parser``); queries.py reads a query
through it. What differs from a stock Whoosh ``MultifieldParser``:

- ``?`` is punctuation (French questions end with one), ``*`` is the only wildcard;
  ``'`` is an apostrophe, never a quote;
- phrases keep the position gaps that stop words leave: ``"envoi de chars"`` matches
  "envoi de chars" but not "envoi chars", and ``États-Unis`` is the phrase "etat unis";
- ``word~`` / ``word~2`` are fuzzy on the analysed form;
- words written side by side are a ``WordsAnd``, which queries.loosened makes optional.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FuzzyTermPlugin,
    MultifieldPlugin,
    PhrasePlugin,
    QueryParser,
    SingleQuotePlugin,
    TextNode,
    WhitespacePlugin,
    WildcardPlugin,
    WordNode,
)

from .analysis import is_stop_term
from .engine import CloseTerm, GappedPhrase
from .schema import BODY, TITLE


def _analysed(parser: Any, fieldname: str, text: str, *, bare: bool) -> tuple[list[str], list[int]]:
    """The terms of ``text`` and their positions, stop words included. A ``bare`` word (not
    in a phrase) loses its elision (``l'armée`` is ``armée``), and a stop word alone goes."""
    field = parser.schema[fieldname]
    tokens = [(t.text, t.pos, t.original) for t in field.tokenize(text, mode="query", positions=True,
                                                                   removestops=False, keeporiginal=True)]
    if bare:
        while tokens and is_stop_term(tokens[0][0]) and tokens[0][2][-1:] in ("'", "’"):  # an elision
            tokens.pop(0)
        if len(tokens) == 1 and is_stop_term(tokens[0][0]):
            tokens = []
    return [term for term, _, _ in tokens], [pos for _, pos, _ in tokens]


class _GappedPhraseNode(PhrasePlugin.PhraseNode):
    def query(self, parser: Any) -> wq.Query:
        fieldname = self.fieldname or parser.fieldname
        if fieldname not in parser.schema or not parser.schema[fieldname].analyzer:
            return super().query(parser)
        words, positions = _analysed(parser, fieldname, self.text, bare=False)
        return GappedPhrase(fieldname, words, positions, slop=self.slop, boost=self.boost)


class _GappedPhraseTagger(PhrasePlugin.PhraseTagger):
    def create(self, parser: Any, match: Any) -> _GappedPhraseNode:
        slop = match.group("slop")
        return _GappedPhraseNode(match.group("text"), match.start("text"), int(slop) if slop else 1)


class _PhrasePlugin(PhrasePlugin):
    """Quoted phrases that keep the position gaps of stop words."""

    def taggers(self, parser: Any) -> list[tuple[Any, int]]:
        return [(_GappedPhraseTagger(self.expr), 0)]


class _FuzzyPlugin(FuzzyTermPlugin):
    """``word~`` / ``word~2``: the terms within one or two edits of the word's analysed
    (folded, stemmed) form, whose first two letters are the word's (``word~2/1``: first one)."""

    class FuzzyTermNode(FuzzyTermPlugin.FuzzyTermNode):
        qclass = CloseTerm

        def query(self, parser: Any) -> Any:
            q = TextNode.query(self, parser)
            if isinstance(q, wq.FuzzyTerm):
                q.maxdist, q.prefixlength = min(self.maxdist, 2), self.prefixlength or 2
            return q


class _StarOnlyWildcardPlugin(WildcardPlugin):
    """``*`` is a wildcard; ``?`` is left as punctuation."""

    qmarks = ""
    expr = r"(?P<text>[*])"


# What any tagger of make_parser's but the whitespace one needs to match (its operators are
# whole words in capitals): text without it is words and whitespace only.
_SYNTAX = re.compile(r"""[*:()\[{^"~]|(?<!\S)(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)(?!\S)""")


class FrenchQueryParser(QueryParser):
    """MultifieldParser whose hyphenated words are phrases, stop words included
    (``Notre-Dame``, ``Val-de-Marne``)."""

    def tag(self, text: str, pos: int = 0, debug: bool = False) -> Any:
        """Whoosh's tagging, which tries each tagger at each character (a quarter of a
        headline's parsing), done in one pass over the whitespace where ``text`` holds none
        of the other taggers' syntax: the same nodes."""
        whitespace = [tagger for tagger in self.taggers() if isinstance(tagger, WhitespacePlugin)]
        if pos or debug or len(whitespace) != 1 or _SYNTAX.search(text):
            return super().tag(text, pos, debug)
        nodes, prev = [], 0
        for match in whitespace[0].expr.finditer(text):
            if prev < match.start():
                nodes.append(_word_node(text, prev, match.start()))
            nodes.append(whitespace[0].create(self, match).set_range(match.start(), match.end()))
            prev = match.end()
        if prev < len(text):
            nodes.append(_word_node(text, prev, len(text)))
        return self.group(nodes)

    def term_query(self, fieldname: str, text: str, termclass: Any, boost: float = 1.0,
                   tokenize: bool = True, removestops: bool = True) -> Any:
        field = self.schema[fieldname] if self.schema and fieldname in self.schema else None
        if field is None or not tokenize or field.self_parsing() or not field.analyzer:
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        words, positions = _analysed(self, fieldname, text, bare=True)
        if not words:
            return None
        if len(words) == 1:
            return termclass(fieldname, words[0], boost=boost)
        return GappedPhrase(fieldname, words, positions, boost=boost)


def _word_node(text: str, start: int, end: int) -> Any:
    node = WordNode(text[start:end])  # what QueryParser.tag makes of the text between tags
    node.startchar, node.endchar = start, end
    return node


class WordsAnd(wq.And):
    """Words written side by side: all required, or any of them (``loosened``)."""


class _WordsGroup(AndGroup):
    qclass = WordsAnd


def make_parser(schema: Schema, *, title_boost: float = 2.0) -> FrenchQueryParser:
    # A plugin added here whose tagger matches other characters or words must add them to
    # _SYNTAX (test_queries compares FrenchQueryParser.tag with Whoosh's own tagging).
    parser = FrenchQueryParser(None, schema, group=_WordsGroup)
    parser.add_plugin(MultifieldPlugin([TITLE, BODY], fieldboosts={TITLE: title_boost, BODY: 1.0}))
    parser.remove_plugin_class(SingleQuotePlugin)
    parser.remove_plugin_class(WildcardPlugin)
    parser.remove_plugin_class(PhrasePlugin)
    parser.add_plugin(_StarOnlyWildcardPlugin())
    parser.add_plugin(_PhrasePlugin())
    parser.add_plugin(_FuzzyPlugin())
    return parser
