#!/usr/bin/env python3
"""How the semantic blend was chosen: weights, fusion methods and what text a vector describes.

    python benchmarks/semantic_grid.py [--data DIR]

On PIAF (as relevance.py), the top 50 of newssearch's lexical ranking for each question
(``Ranking(semantic=0)``, the scores after reranking) are re-ordered offline with the
question's and the paragraphs' sentence vectors (newssearch.semantic): a linear blend
``(1 - w) * score / best + w * cosine`` for a grid of w, the same with min-max scaled
cosines, reciprocal-rank fusion with a dense ranking of the whole collection, and vectors of
other texts (body only, title + first 600 characters, best sentence). Then 2-fold
cross-validation, the folds split by Wikipedia article so that no article's questions are
on both sides: the weight chosen on one fold, measured on the other. Prints MRR@10 for each;
the report also goes to benchmarks/results/semantic-grid.txt.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from newssearch import NewsIndex
from newssearch.config import Ranking
from newssearch.semantic import _encoder, article_text

from common import log  # noqa: E402 (this folder is on sys.path when run as a script)
from relevance import DEFAULT_DATA, Question, load_questions, read_jsonl

RESULT_FILE = Path(__file__).resolve().parent / "results" / "semantic-grid.txt"
DEPTH, K = 50, 10
WEIGHTS = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«\"(])")
Ranked = list[list[str]]


def mrr(ranked: Ranked, questions: Sequence[Question], among: Sequence[int] | None = None) -> float:
    picked = range(len(questions)) if among is None else among
    total = 0.0
    for i in picked:
        top = ranked[i][:K]
        total += next((1 / r for r, doc in enumerate(top, 1) if doc in questions[i].relevant), 0.0)
    return total / len(picked)


def blend(lexical: list[list[tuple[str, float]]], cos: Callable[[int, str], float], weight: float,
          minmax: bool = False) -> Ranked:
    out = []
    for i, hits in enumerate(lexical):
        if not hits:
            out.append([])
            continue
        best = max(s for _, s in hits) or 1.0
        c = np.array([cos(i, doc) for doc, _ in hits])
        if minmax:
            c = (c - c.min()) / ((c.max() - c.min()) or 1.0)
        fused = (1 - weight) * np.array([s for _, s in hits]) / best + weight * c
        out.append([hits[j][0] for j in np.argsort(-fused, kind="stable")])
    return out


def rrf(lexical: list[list[tuple[str, float]]], dense: Ranked, k: int, dense_weight: float) -> Ranked:
    out = []
    for hits, other in zip(lexical, dense):
        score: dict[str, float] = {}
        for r, (doc, _) in enumerate(hits):
            score[doc] = score.get(doc, 0.0) + 1 / (k + r + 1)
        for r, doc in enumerate(other[:DEPTH]):
            score[doc] = score.get(doc, 0.0) + dense_weight / (k + r + 1)
        out.append(sorted(score, key=lambda d: -score[d]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if not (args.data / "passages.jsonl").is_file():
        print(f"skipped: PIAF collection not found at {args.data}")
        return 0
    started = time.perf_counter()
    questions = load_questions(args.data)
    passages = list(read_jsonl(args.data / "passages.jsonl"))
    ids = [p["id"] for p in passages]
    at = {doc: i for i, doc in enumerate(ids)}
    encode = _encoder().encode
    log("encoding questions and paragraphs")
    q = encode([question.text for question in questions])
    texts = {
        "title + body (first 1,000 characters: what --semantic stores)": [article_text(p["title"], p["body"])
                                                                          for p in passages],
        "body only": [p["body"] for p in passages],
        "title + first 600 characters": [article_text(p["title"], p["body"][:600]) for p in passages],
    }
    sims = {name: q @ encode(t).T for name, t in texts.items()}
    sentences, owner = [], []
    for i, p in enumerate(passages):
        for s in _SENTENCE.split(p["body"]):
            if s.strip():
                sentences.append(article_text(p["title"], s))
                owner.append(i)
    by_sentence = q @ encode(sentences).T
    order = np.argsort(owner, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(np.array(owner)[order])) + 1]
    sims["best sentence (title + sentence, max over the paragraph's sentences)"] = np.maximum.reduceat(
        by_sentence[:, order], starts, axis=1)
    stored = next(iter(sims))
    log("lexical top 50 for each question")
    with tempfile.TemporaryDirectory() as tmp, NewsIndex.open(Path(tmp) / "ix", create=True) as ix:
        ix.add([args.data / "passages.jsonl"])
        lexical = [[(h.id, h.score) for h in ix.search(question.text, limit=DEPTH, ranking=Ranking(semantic=0))]
                   for question in questions]
    lines = [f"command: {Path(sys.executable).name} benchmarks/semantic_grid.py",
             f"PIAF: {len(questions):,} questions, {len(passages):,} paragraphs; MRR@{K} of the top {DEPTH} "
             "lexical hits re-ordered", "",
             f"lexical ranking (semantic=0): {mrr([[d for d, _ in h] for h in lexical], questions):.4f}"]
    dense = [[ids[j] for j in np.argsort(-sims[stored][i])[:DEPTH]] for i in range(len(questions))]
    lines.append(f"dense ranking alone (whole collection, stored vectors): {mrr(dense, questions):.4f}")
    for k, w in ((10, 0.5), (10, 1.0), (60, 0.5), (60, 1.0)):
        lines.append(f"reciprocal-rank fusion k={k}, dense weight {w}: {mrr(rrf(lexical, dense, k, w), questions):.4f}")
    lines += ["", "linear blend (1 - w) * score / best + w * cosine, by the text a vector describes:"]
    lines.append("  " + "text".ljust(72) + "".join(f"w={w:<7g}" for w in WEIGHTS))
    grids: dict[str, dict[float, Ranked]] = {}
    for name, sim in sims.items():
        cos = lambda i, doc, sim=sim: float(sim[i, at[doc]])  # noqa: E731
        grids[name] = {w: blend(lexical, cos, w) for w in WEIGHTS}
        lines.append("  " + name[:72].ljust(72) + "".join(f"{mrr(grids[name][w], questions):<9.4f}"
                                                          for w in WEIGHTS))
    cos = lambda i, doc: float(sims[stored][i, at[doc]])  # noqa: E731
    lines.append("  " + "stored vectors, cosines min-max scaled per question".ljust(72)
                 + "".join(f"{mrr(blend(lexical, cos, w, True), questions):<9.4f}" for w in WEIGHTS))
    titles = sorted({p["title"] for p in passages})
    random.Random(0).shuffle(titles)
    side = {t: n % 2 for n, t in enumerate(titles)}
    title_of = {p["id"]: p["title"] for p in passages}
    fold = [side[title_of[next(iter(question.relevant))]] for question in questions]
    lines += ["", "2-fold cross-validation of w (stored vectors), folds by Wikipedia article:"]
    for f in (0, 1):
        train = [i for i, x in enumerate(fold) if x != f]
        test = [i for i, x in enumerate(fold) if x == f]
        best = max(WEIGHTS, key=lambda w: mrr(grids[stored][w], questions, train))
        lines.append(f"  fold {f}: w={best:g} chosen on {len(train):,} questions; on the other {len(test):,}: "
                     f"lexical {mrr(grids[stored][0.0], questions, test):.4f} -> {mrr(grids[stored][best], questions, test):.4f}")
    lines += ["", f"total time: {(time.perf_counter() - started) / 60:.1f} min"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
