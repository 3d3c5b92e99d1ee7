"""Named defaults, defined once. Library functions take them as keyword defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_INDEX_DIR: Final = Path("index")
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 10_000
MAX_QUERY_CHARS: Final = 2_000



@dataclass(frozen=True)
class Ranking:
    """The relevance choices, in one place; the README's ablation table measures each one.

    - BM25F: ``k1``, ``b`` (body), ``title_b``; a title match weighs ``title_boost`` body matches;
      k1 2.0 rather than the usual 1.2: a news article keeps returning to its subject
      (MasakhaNEWS headlines +0.006 MRR@10 and two more in the top 10, FreSaDa -0.002);
      ``lucene_idf``: Lucene's IDF, ln(1 + (N - n + 0.5) / (n + 0.5)), instead of Whoosh's
      log(N / (n + 1)) + 1 (b 0.9 and Lucene's IDF: +0.009 MRR on FreSaDa headlines).
    - A query of more than ``long_query`` words (a question, pasted text) lets any word match;
      shorter ones require all words, falling back to any word when nothing has them all.
      A question (ending with '?', or asked with an interrogative: quel, combien, qui...)
      lets any word match whatever its length when ``questions_any_word``.
    - ``question_words``: French interrogatives (combien, pourquoi...) are dropped from
      questions, like stop words; with ``answer_type_words`` also the words that name what
      a question asks for (année, nom, pays, ville...), in questions only.
    - ``lenient_questions``: a question, or pasted text (``pasted_words`` words or more, such
      as a headline), with malformed syntax (a stray quote, parenthesis or colon) is searched
      for its plain words instead of raising QueryError.
    - Among the best ``rerank`` hits of an any-word search, scores are multiplied by the
      share of query words an article contains to the power ``coordination``
      (``pasted_coordination`` for pasted text: a headline's words are paraphrased in its
      article more than a question's are in its answer; 2 -> 0.5 gave +0.011 MRR@10 on
      FreSaDa headlines, +0.004 on MasakhaNEWS, PIAF unchanged), and by
      ``1 + proximity * closeness``, where closeness is the share of the query words found
      together within ``window`` consecutive words. With ``idf_coordination`` the share
      weighs each word by its IDF (missing a rare word costs more than missing a common
      one). The share is that of the best passage of ``passage`` words (title words count
      wherever they are; 0: the whole article): a long article no longer gains by holding
      the words of a headline scattered over its pages. ``exact`` rewards articles whose words match the query's as written (accents
      folded, not stemmed): ``1 + exact * share of exact forms``; ``pairs`` rewards the
      query's consecutive word pairs found in order within 3 positions (a sequential
      dependence model): ``1 + pairs * share of pairs``. For pasted text (``pasted_words``
      words or more, not a question) ``exact`` is ``pasted_exact`` instead: on headlines it
      adds nothing and costs reading the articles' text again. A quoted phrase of
      ``pasted_words`` words or more is a quotation: in an any-word search its words match
      too, the exact phrase adding to their score. With ``links``, in the rerank of a query of
      ``pasted_words`` words or more (questions too)
      the words that follow a link marker ("Lire aussi :", "Voir aussi"...) for as many
      words as the query has are not the article's own: a page linking to another article
      by its headline no longer outranks that article for the headline.
    - ``lead``: for pasted text, a score is also multiplied by ``1 + lead * share``, the share
      (IDF-weighted, title words included) of the query's words found among the article's
      first ``lead_words`` words: a headline sums up its article's lead, and a page that
      only mentions the story further down, or links to it, does not start with it (+0.010
      MRR@10 on MasakhaNEWS, +0.002 on FreSaDa; docs/relevance.md).
    - ``semantic``: on an index built with article vectors (``--semantic``), the reranked
      score becomes ``(1 - semantic) * score / best score + semantic * cosine`` between
      the query's and the article's sentence vectors (semantic.py); 0 turns it off.
    - ``names``: a keyword query's names typed with their capitals (``Grand Est``, ``Le
      Pen``; names.py) also match as phrases, their scores times ``names``, added to the
      words' score: the articles holding them rank first, the others still match; 0 turns
      it off. At 1, "Grand débat" pages with "grand" twice in their title stayed ahead of
      the region's news for ``Grand Est``.
    """

    title_boost: float = 1.5
    k1: float = 2.0
    b: float = 0.9
    title_b: float = 0.5
    long_query: int = 3
    questions_any_word: bool = True
    question_words: bool = True
    answer_type_words: bool = True
    lenient_questions: bool = True
    pasted_words: int = 6
    lucene_idf: bool = True
    passage: int = 50
    pasted_exact: float = 0.0
    coordination: float = 2.0
    pasted_coordination: float = 0.5
    proximity: float = 0.5
    window: int = 12
    rerank: int = 50
    links: bool = True
    idf_coordination: bool = True
    exact: float = 1.0
    pairs: float = 1.0
    semantic: float = 0.75
    lead: float = 1.0
    lead_words: int = 40
    names: float = 3.0


DEFAULT_RANKING: Final = Ranking()

# Snippets: how many fragments, and roughly how many characters each; the first (best)
# fragment gets more room, about four lines of an 80-column terminal.
SNIPPET_FRAGMENTS: Final = 3
SNIPPET_CHARS: Final = 220
SNIPPET_FIRST_CHARS: Final = 320
# Snippets and the rerank read at most this much of an article (about 15,000 words): a
# 50 MB record must not make a query read 50 MB.
SNIPPET_SCAN_CHARS: Final = 100_000

# Semantic vectors (``--semantic``) describe an article's title and this many characters of
# its body: the lead of a news article, and the cost of encoding bounded (about 12 ms of CPU
# an article, measured on 100,000 generated articles).
SEMANTIC_CHARS: Final = 1_000

# Files: which suffixes are read, and the largest file read (bigger ones are skipped).
TEXT_SUFFIXES: Final = frozenset({".txt"})
JSON_SUFFIXES: Final = frozenset({".json", ".jsonl"})
MAX_FILE_BYTES: Final = 20 * 1024 * 1024

# Indexing: articles per committed batch, and memory given to the Whoosh writer. Each commit
# of a multi-process run leaves one segment per worker, and every segment costs query time
# (a 100,000-article index: 20 segments at 10,000 a commit, query p50 26 ms; merged into
# one, 19.6 ms) and size (each repeats its term dictionary); a bigger batch loses more work when
# a run is killed (the next run redoes it).
COMMIT_EVERY: Final = 50_000
# Memory budget of each process of an indexing run: the main process, each indexing worker and
# each merge worker aim to stay under it (three to five processes on a 2- to 4-core machine:
# fit for an 8 GB laptop). Merge workers size their read buffers from it, and run side by
# side only while their estimated needs fit it (engine/compaction.py).
PROCESS_MEMORY_MB: Final = 1024
# Postings held in memory by the writer (shared by its workers) before spilling to disk, as
# estimated by the pool (engine/pool.py): about 3.7 bytes a character of French news text.
# A commit comes sooner than COMMIT_EVERY articles once its articles hold COMMIT_CHARS
# characters (title and body), so that the pools stay a third under their limit whatever
# the length of the articles: a pool past its limit spills its postings to a sorted run
# on disk, Whoosh's way, and its worker spends about twice the CPU on them. (50,000
# scale_corpus.py articles are 137 million characters; 51,000 of them, a commit of the
# 300,000-article benchmark, passed a limit of half the budget, and that run took 5.2
# times the CPU of 100,000 articles. MasakhaNEWS articles are twice as long.) The largest
# process of a 100,000-article run, 25,000 articles a worker a commit, peaked at 484 MB.
WRITER_LIMIT_MB: Final = PROCESS_MEMORY_MB * 3 // 4
COMMIT_CHARS: Final = WRITER_LIMIT_MB * 1_000_000 // 5
# Merging segments after each commit (engine/compaction.py, Lucene's log-structured policy):
# each MERGE_FACTOR adjacent segments of about the same size (a level is a factor MERGE_FACTOR
# over MERGE_FLOOR_MB) become one, so that an index keeps about MERGE_FACTOR - 1 segments a
# level and each article is rewritten once a level; no merge makes a segment over
# MERGE_MAX_MB (a segment's stored fields must stay under 4 GB); a segment with
# MERGE_EXPUNGE of its articles deleted is rewritten alone.
MERGE_FACTOR: Final = 8
MERGE_FLOOR_MB: Final = 16
MERGE_MAX_MB: Final = 3072
MERGE_EXPUNGE: Final = 0.3
# Runs with at least this many bytes of new or changed files use one worker process per
# core (at most 4), handing them documents in batches of MP_BATCH.
MP_MIN_BYTES: Final = 8 * 1024 * 1024
MP_BATCH: Final = 256

INDEX_FORMAT_VERSION: Final = 10
