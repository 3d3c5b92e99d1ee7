"""Finding articles by id, and the query for articles like one of them (more like this)."""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq

from .errors import ArticleNotFoundError
from .schema import BODY, ID_FIELD, KEY, TITLE

_KEY = re.compile(r"[0-9a-fA-F]{10}")


def docnum_of(searcher: Any, article_id: str) -> int:
    """The document number of the article whose id, or key (schema.article_key), is
    ``article_id``; ArticleNotFoundError when there is none."""
    docnum = searcher.document_number(**{ID_FIELD: article_id})
    if docnum is None and _KEY.fullmatch(article_id):
        docnum = searcher.document_number(**{KEY: article_id.lower()})
    if docnum is None:
        raise ArticleNotFoundError(article_id)
    return int(docnum)


def similar_query(searcher: Any, docnum: int, *, terms: int = 20) -> wq.Query | None:
    """The most characteristic words of an article as a weighted any-word query, itself
    excluded; None when it has no words to compare with."""
    keywords = searcher.key_terms([docnum], BODY, numterms=terms)
    keywords += searcher.key_terms([docnum], TITLE, numterms=5)
    if not keywords:
        return None
    parts = [wq.Term(fieldname, word, boost=weight)
             for (word, weight), fieldname in zip(keywords, [BODY] * terms + [TITLE] * 5)]
    return wq.And([wq.Or(parts), wq.Not(wq.Term(ID_FIELD, searcher.stored_fields(docnum)[ID_FIELD]))])
