"""Merging segments (engine/merging.py, segmentfiles.py) and keeping them few (compaction.py).

A merged segment must hold exactly what its inputs held, and what Whoosh's own writer would
have written for the same articles in one segment: every term with its postings (document,
weight, positions) and statistics, stored fields, columns, field lengths and totals; a merged
index must answer every query with the same hits and scores.
"""

from __future__ import annotations

import errno
import json
import math
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE

from newssearch import IndexWriteError, NewsIndex
from newssearch.engine import merging
from newssearch.engine.compaction import MergePolicy, compact, plan_merges, plan_optimize
from newssearch.indexing import update_index
from newssearch.manifest import NEXT_MANIFEST_FILE, ManifestFiles
from newssearch.engine.merging import MergeFailedError, merge_segments
from newssearch.schema import BODY, ID_FIELD, SOURCE, TITLE
from newssearch.engine.segmentfiles import TermTable

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("char Leopard Ukraine Berlin Moscou alliance ministre défense réunion aide militaire livraison armes "
         "sécurité conseil président Europe envoi route été départementale musée Saumur visiteur collective "
         "œuvre mesure annonce Washington Abrams confirmé irrité pays Medvedev").split()
SOURCES = ("Le Courrier du Nord", "La Gazette de Lyon", "L'Écho de Paris")
QUERIES = ["char", "Leopard Ukraine", "ministre défense aide", '"envoi de chars"', '"aide militaire"', "Saumur OR Abrams",
           "musée NOT Berlin", "title:char", "source:gazette", "Medvedev irrité pays alliance Europe ?", "char*",
           "sécurité routière"]


def articles(n: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = " ".join(rng.choice(WORDS[:12] if rng.random() < 0.6 else WORDS) for _ in range(rng.randint(5, 90)))
        if i % 17 == 0:
            body += f" mot{i} envoi de chars"
        out.append({"id": f"a{i:04d}", "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))),
                    "date": f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 10}T1{i % 10}:00:00+00:00",
                    "source": SOURCES[i % 3], "body": body})
    return out


def build(folder: Path, docs: list[dict[str, Any]], commit_every: int) -> Path:
    """An index of ``docs`` with one segment per ``commit_every`` articles (no merging), from
    one JSON Lines file whose path (stored and indexed) is the same for every index."""
    source = folder.parent / "docs.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    update_index(folder, [source], commit_every=commit_every, procs=1, merge=False)
    return folder


def contents(reader: Any, schema: Any) -> dict[str, Any]:
    """Everything a reader holds, by global document number."""
    terms = {}
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        postings = []
        while matcher.is_active():
            postings.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        terms[(fieldname, text)] = postings
    docs = range(reader.doc_count_all())
    return {"terms": terms, "count": reader.doc_count(),
            "stored": [reader.stored_fields(d) for d in docs if not reader.is_deleted(d)],
            "columns": {f: list(reader.column_reader(f)) for f in ("published", "group") if reader.has_column(f)},
            "lengths": {f: [reader.doc_field_length(d, f) for d in docs] for f in (TITLE, BODY, SOURCE)},
            "totals": {f: reader.field_length(f) for f in (TITLE, BODY, SOURCE)}}


def term_stats(reader: Any) -> dict[Any, tuple[Any, ...]]:
    out = {}
    for key, info in reader._terms.items():
        out[key] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(),
                    info.min_id(), info.max_id())
    return out


def merged_reader(folder: Path, parts: int = 1) -> tuple[Any, Any]:
    ix = windex.open_dir(str(folder))
    segment = merge_segments(ix.storage, ix.schema, ix._segments(), parts=parts)
    return ix, SegmentReader(ix.storage, ix.schema, segment)


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return articles(420)


@pytest.mark.parametrize("parts", [1, 3])
def test_merged_segment_is_what_whoosh_writes_in_one_segment(tmp_path: Path, docs: list[dict[str, Any]],
                                                             parts: int) -> None:
    fresh = build(tmp_path / "fresh", docs, commit_every=10_000)  # Whoosh's writer, one segment
    folder = build(tmp_path / "index", docs, commit_every=100)
    ix = windex.open_dir(str(folder))
    assert [s.doc_count_all() for s in ix._segments()] == [100, 100, 100, 100, 20]
    with ix.reader() as before:
        inputs = contents(before, ix.schema)
    ix, merged = merged_reader(folder, parts)  # with parts > 1, term ranges merged by processes
    one = windex.open_dir(str(fresh))
    with one.reader() as expected:
        assert contents(merged, ix.schema) == inputs == contents(expected, one.schema)
        assert term_stats(merged) == term_stats(expected)
        assert max(len(p) for p in inputs["terms"].values()) > 3 * 128  # several full blocks
    merged.close()


def test_deleted_articles_are_dropped_and_numbers_closed_up(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    folder = build(tmp_path / "index", docs, commit_every=100)
    gone = {f"a{i:04d}" for i in [0, 5, 99, 100, *range(150, 290), 301, 419]} | {f"a{i:04d}" for i in range(0, 420, 17)}
    ix = windex.open_dir(str(folder))
    with ix.writer() as writer:
        writer.mergetype = NO_MERGE
        for doc_id in gone:
            writer.delete_by_term(ID_FIELD, doc_id)
    with ix.reader() as before:
        lengths_gone = {f: sum(n or 0 for d, n in enumerate(before_lengths(before, f)) if before.is_deleted(d))
                        for f in (TITLE, BODY, SOURCE)}
        totals = {f: before.field_length(f) - lengths_gone[f] for f in (TITLE, BODY, SOURCE)}
    kept = build(tmp_path / "kept", [d for d in docs if d["id"] not in gone], commit_every=10_000)
    ix, merged = merged_reader(folder, parts=2)
    one = windex.open_dir(str(kept))
    with one.reader() as expected:
        got, want = contents(merged, ix.schema), contents(expected, one.schema)
        assert got["totals"] == totals  # the inputs' totals less the deleted articles' (stored) lengths
        del got["totals"], want["totals"]
        assert got == want
        assert term_stats(merged) == term_stats(expected)
        assert ("body", b"mot0") not in got["terms"]  # a term of deleted articles only is gone
    merged.close()


def before_lengths(reader: Any, field: str) -> list[int | None]:
    return [reader.doc_field_length(d, field) for d in range(reader.doc_count_all())]


class Answers(list):  # type: ignore[type-arg]
    """The hits of QUERIES in several modes: ids, snippets and totals, and scores equal to 12
    digits: Whoosh sums a document's term scores in a tree shaped by each segment's term
    frequencies (And/Or use ``make_weighted_tree``), so that the same index in other segments
    may differ in the last bit of a sum (as two processes do: set order follows the hash seed)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and len(self) == len(other) and all(
            a[:-1] == b[:-1] and all(math.isclose(x, y, rel_tol=1e-12) for x, y in zip(a[-1], b[-1]))
            for a, b in zip(self, other))


def answers(folder: Path) -> Answers:
    with NewsIndex.open(folder) as ix:
        out = Answers()
        for q in QUERIES:
            for kwargs in ({}, {"sort": "date"}, {"mode": "any"}, {"since": "2015-01-01", "source": SOURCES[1]}):
                results = ix.query(q, limit=25, **kwargs)  # type: ignore[arg-type]
                out.append((q, kwargs, results.total, [(h.id, h.snippets) for h in results.hits],
                            [h.score for h in results.hits]))
        return out


def test_merging_changes_no_answer(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    folder = build(tmp_path / "index", docs, commit_every=60)
    before = answers(folder)
    assert any(hits for *_, hits in before) and '"envoi de chars"' in QUERIES
    ix = windex.open_dir(str(folder))
    report = compact(ix, policy=MergePolicy(factor=3, floor_bytes=1), procs=2)
    assert (report.segments_before, report.segments_after, report.merges) == (7, 3, 2)
    assert answers(folder) == before
    with NewsIndex.open(folder) as news:
        assert news.optimize().segments_after == 1
        assert news.stats().segments == 1
    assert answers(folder) == before


def test_phrases_still_match_after_merging(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    folder = build(tmp_path / "index", docs, commit_every=50)
    phrases = ['"envoi de chars"', '"aide militaire"', '"chars envoi"', 'title:"défense Moscou"']
    with NewsIndex.open(folder) as ix:
        before = [sorted(h.id for h in ix.search(p, limit=500)) for p in phrases]
        ix.optimize()
        after = [sorted(h.id for h in ix.search(p, limit=500)) for p in phrases]
    assert after == before
    assert {d["id"] for d in docs if "envoi de chars" in d["body"]} <= set(after[0])
    assert all(after[:2]) and len(after[0]) < len(docs) // 2


def test_term_table_is_byte_for_byte_whooshs(tmp_path: Path) -> None:
    rng = random.Random(5)
    keys = sorted({bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))) for _ in range(3000)})
    ours = TermTable(str(tmp_path / "ours"))
    ours.fieldmap.update({"body": 0, "title": 1})
    theirs = OrderedHashWriter(FileStorage(str(tmp_path)).create_file("theirs"))
    theirs.extras["fieldmap"] = {"body": 0, "title": 1}
    for key in keys:
        value = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
        ours.add(key, value)
        theirs.add(key, value)
    ours.close().close()
    theirs.close()
    assert (tmp_path / "ours").read_bytes() == (tmp_path / "theirs").read_bytes()


def test_vectors_and_other_columns_are_copied(tmp_path: Path) -> None:
    schema = Schema(key=ID(stored=True, unique=True), text=TEXT(vector=True, stored=True),
                    n=NUMERIC(sortable=True), note=STORED())
    ix = windex.create_in(str(tmp_path), schema)
    rng = random.Random(2)
    for batch in range(3):
        with ix.writer() as writer:
            writer.mergetype = NO_MERGE
            for i in range(40):
                k = batch * 40 + i
                fields = {"key": f"k{k}", "n": k * 3 if k % 5 else None, "note": {"k": k}}
                if k % 4:
                    fields["text"] = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(8))
                writer.add_document(**{f: v for f, v in fields.items() if v is not None})
    with ix.writer() as writer:
        writer.mergetype = NO_MERGE
        for k in (3, 41, 42, 119):
            writer.delete_by_term("key", f"k{k}")

    def snapshot(reader: Any) -> list[Any]:
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        renumber = {d: i for i, d in enumerate(live)}
        postings = {}  # Whoosh's own Positions format: a tuple of values a block
        for term in reader.all_terms():
            matcher = reader.postings(*term)  # deleted documents are skipped; a term of those only is gone
            found = [(renumber[d], v) for d, v in matcher.items_as("positions" if term[0] == "text" else "weight")]
            if found:
                postings[term] = found
        return [postings] + [(reader.stored_fields(d), reader.column_reader("n")[d],
                              reader.has_vector(d, "text") and list(reader.vector_as("weight", d, "text")))
                             for d in live]

    with ix.reader() as before:
        expected = snapshot(before)
    segment = merge_segments(ix.storage, ix.schema, ix._segments())
    with SegmentReader(ix.storage, ix.schema, segment) as merged:
        assert snapshot(merged) == expected


# ---------------------------------------------------------------- policy


def simulate(commits: int, per_commit: list[int], policy: MergePolicy) -> tuple[list[float], float, int]:
    """Segment sizes after ``commits`` commits, bytes rewritten by merges, most segments seen."""
    sizes: list[float] = []
    rewritten, most = 0.0, 0
    for _ in range(commits):
        sizes += per_commit
        most = max(most, len(sizes))
        while plans := plan_merges(sizes, policy):
            for plan in reversed(plans):
                rewritten += sum(sizes[plan.start:plan.stop])
                sizes[plan.start:plan.stop] = [sum(sizes[plan.start:plan.stop])]
    return sizes, rewritten, most


def test_policy_keeps_segments_logarithmic_without_rewriting_everything() -> None:
    mb = 1 << 20
    policy = MergePolicy(factor=8, floor_bytes=16 * mb, max_bytes=1 << 40)
    small, once, most_small = simulate(20, [50 * mb, 50 * mb], policy)  # 2 GB: one level above the commits'
    large, rewritten, most = simulate(400, [50 * mb, 50 * mb], policy)  # 40 GB: three levels
    assert len(small) <= 8 and most_small <= 2 * 8 and once == sum(small)  # each byte rewritten once
    assert len(large) <= 3 * (8 - 1) + 2 and most <= 3 * 8
    assert rewritten <= 3 * sum(large)  # each byte rewritten about once a level, not at every commit
    assert sum(large) == 400 * 100 * mb


def test_policy_caps_merged_size_and_expunges_deletions() -> None:
    mb = 1 << 20
    assert plan_merges([100 * mb] * 8, MergePolicy(factor=8, floor_bytes=mb, max_bytes=700 * mb)) == []
    assert plan_merges([100 * mb] * 8, MergePolicy(factor=8, floor_bytes=mb, max_bytes=800 * mb)) == [range(0, 8)]
    assert plan_merges([100 * mb] * 7, MergePolicy(factor=8, floor_bytes=mb)) == []
    assert plan_merges([900 * mb, 10 * mb, 10 * mb], MergePolicy(factor=2, floor_bytes=mb), [0.5, 0, 0]) == \
        [range(0, 1), range(1, 3)]
    assert plan_optimize([2 << 30, 2 << 30, 10], [0, 0, 0]) == [range(1, 3)]
    assert plan_optimize([10], [0.0]) == [] and plan_optimize([10], [0.1]) == [range(0, 1)]


def test_indexing_merges_as_it_commits(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = update_index(tmp_path / "index", [source], commit_every=40, procs=1,
                          merge_progress=lambda done, total: calls.append((done, total)))
    assert report.merges == 1 and calls and calls[-1][0] == calls[-1][1]
    ix = windex.open_dir(str(tmp_path / "index"))
    assert len(ix._segments()) == 11 - 8 + 1 and ix.doc_count() == len(docs)


# ---------------------------------------------------------------- interruptions


def merge_process(folder: Path, *, cli: bool = False) -> subprocess.Popen[str]:
    if cli:
        cmd = [sys.executable, "-m", "newssearch", "optimize", "--index", str(folder)]
    else:
        cmd = [sys.executable, "-c", textwrap.dedent(f"""
            from newssearch import NewsIndex
            NewsIndex.open({str(folder)!r}).optimize()
        """)]
    return subprocess.Popen(cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def group_members(pgid: int, wait: float) -> list[int]:
    """The live processes of process group ``pgid``, after waiting up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(pid))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def wait_for_partial(folder: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".merging") for p in folder.iterdir()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the merge ended before it was interrupted: {process.communicate()}")
        time.sleep(0.005)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_merge_leaves_the_index_as_it_was(tmp_path: Path, sig: int) -> None:
    folder = build(tmp_path / "index", articles(2500, seed=9), commit_every=300)
    before, toc = answers(folder), sorted(p.name for p in folder.iterdir())
    process = merge_process(folder, cli=sig == signal.SIGINT)
    wait_for_partial(folder, process)
    if sig == signal.SIGKILL:
        os.kill(process.pid, sig)  # the merge workers must die with it
    else:
        os.killpg(process.pid, sig)  # Ctrl-C reaches the whole process group
    _, err = process.communicate(timeout=60)
    assert process.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 130), err
    assert not group_members(process.pid, wait=10)
    assert answers(folder) == before
    left = sorted(p.name for p in folder.iterdir() if p.name != "writer.pid")  # a killed writer's note
    assert [n for n in left if not n.endswith(".merging")] == toc
    if sig == signal.SIGINT:
        assert left == toc  # the partial files were removed
    with NewsIndex.open(folder) as ix:  # the next merge cleans up and completes
        assert ix.optimize().segments_after == 1
    assert answers(folder) == before
    assert not [p for p in folder.iterdir() if p.name.endswith(".merging")]


def test_disk_full_while_merging_leaves_the_index_as_it_was(tmp_path: Path, docs: list[dict[str, Any]],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = build(tmp_path / "index", docs, commit_every=100)
    before, files = answers(folder), sorted(p.name for p in folder.iterdir())
    write = merging.CompoundFile.write

    def full(self: Any, data: bytes) -> None:
        if self.pos > 100_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(self, data)

    monkeypatch.setattr(merging.CompoundFile, "write", full)  # in the forked merge workers too
    with NewsIndex.open(folder) as ix, pytest.raises(IndexWriteError, match="no space left on device"):
        ix.optimize()
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir() if p.name != "writer.pid") == files
    assert answers(folder) == before


def test_a_dead_merge_process_is_an_error(tmp_path: Path, docs: list[dict[str, Any]],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = build(tmp_path / "index", docs, commit_every=100)
    files = sorted(p.name for p in folder.iterdir())
    monkeypatch.setattr(merging, "_part_main", lambda *args: os._exit(3))  # the forked range process
    ix = windex.open_dir(str(folder))
    with pytest.raises(MergeFailedError, match="a merge process ended with exit code 3"):
        merge_segments(ix.storage, ix.schema, ix._segments(), parts=2)
    assert sorted(p.name for p in folder.iterdir()) == files


# ---------------------------------------------------------------- merges in an index folder


EVERY = 22


def split_archive(folder: Path, docs: list[dict[str, Any]], files: int) -> Path:
    """``docs`` in ``files`` JSON Lines files (20 files of 21 articles: committed every
    EVERY=22 articles, a commit every two files, and a merge after the 8th commit:
    MERGE_FACTOR segments below MERGE_FLOOR_MB)."""
    folder.mkdir()
    per = -(-len(docs) // files)
    for n in range(files):
        part = docs[n * per:(n + 1) * per]
        (folder / f"part{n:02d}.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in part),
                                                   encoding="utf-8")
    return folder


def stray_files(folder: Path) -> list[str]:
    """Whoosh files that the index's latest generation does not use (debris of a killed run)."""
    ix = windex.open_dir(str(folder))
    try:
        used = {s.segment_id() for s in ix._segments()}
        toc = f"_MAIN_{ix.latest_generation()}.toc"
    finally:
        ix.close()
    return sorted(p.name for p in folder.iterdir()
                  if p.name.endswith(".merging") or (p.name.startswith("_MAIN_") and p.name != toc)
                  or (p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK" and p.name.split(".")[0] not in used))


def test_merged_segments_get_checksums_and_the_manifest_follows(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    archive = split_archive(tmp_path / "archive", docs, 20)
    index = tmp_path / "index"
    report = update_index(index, [archive], commit_every=EVERY, procs=1)
    assert report.merges == 1 and report.articles == len(docs)
    ix = windex.open_dir(str(index))
    segments, generation = ix._segments(), ix.latest_generation()
    assert len(segments) == 10 - 8 + 1 and generation == 11  # 10 commits and a merge
    assert all((index / f"{s.segment_id()}.sum").is_file() for s in segments)
    assert ManifestFiles(index).read().generation == generation
    assert not (index / NEXT_MANIFEST_FILE).exists() and stray_files(index) == []
    check = NewsIndex(index).check()
    assert check.ok and (check.articles, check.segments, check.files) == (len(docs), 3, 20)
    again = update_index(index, [archive], commit_every=EVERY, procs=1)
    assert (again.unchanged, again.articles, again.merges) == (20, 0, 0)


def indexer_killed(archive: Path, index: Path, patch: str) -> subprocess.CompletedProcess[str]:
    """An indexing run (a commit a file) killed where ``patch`` says."""
    code = textwrap.dedent("""
        import os, signal
        from newssearch.engine import compaction
        from newssearch.folder import WriteSession
        def die():
            os.kill(os.getpid(), signal.SIGKILL)
    """) + textwrap.dedent(patch) + textwrap.dedent(f"""
        from newssearch.indexing import update_index
        update_index({str(index)!r}, [{str(archive)!r}], commit_every={EVERY}, procs=1)
    """)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


KILLS = {  # where a run dies around the commit of a merge
    "Ctrl-C while merging": """
        from newssearch.engine import merging
        write = merging.CompoundFile.write
        def write_and_interrupt(self, data):  # in the merge worker process: the run is interrupted
            write(self, data)
            if self.pos > 20_000 and not getattr(self, "told", False):
                self.told = True
                os.kill(os.getppid(), signal.SIGINT)
        merging.CompoundFile.write = write_and_interrupt
    """,
    "while merging": """
        from newssearch.engine import merging
        write = merging.CompoundFile.write
        def write_and_die(self, data):  # in the merge worker process: the run dies
            write(self, data)
            if self.pos > 20_000:
                os.kill(os.getppid(), signal.SIGKILL)
        merging.CompoundFile.write = write_and_die
    """,
    "merged, before its TOC": """
        before = WriteSession.before_merge
        def before_and_die(self, generation):
            before(self, generation)  # the manifest of the merge's generation is written
            die()
        WriteSession.before_merge = before_and_die
    """,
    "after its TOC, before the manifest": """
        clean = compaction.clean_files
        def clean_and_die(*args):
            clean(*args)
            die()
        compaction.clean_files = clean_and_die
    """,
}


@pytest.mark.parametrize("where", sorted(KILLS))
def test_killed_around_a_merge_the_next_run_redoes_nothing_and_loses_nothing(tmp_path: Path, where: str,
                                                                             docs: list[dict[str, Any]]) -> None:
    archive = split_archive(tmp_path / "archive", docs, 20)
    index = tmp_path / "index"
    killed = indexer_killed(archive, index, KILLS[where])
    interrupted = where.startswith("Ctrl-C")
    assert killed.returncode == (-signal.SIGINT if interrupted else -signal.SIGKILL), killed.stderr
    assert not interrupted or killed.stderr.rstrip().endswith("KeyboardInterrupt")
    merged = where.startswith("after")
    assert len(windex.open_dir(str(index))._segments()) == (1 if merged else 8)
    with NewsIndex.open(index) as ix:  # openable, every committed article there once
        ids = [h.id for h in ix.export("char OR NOT char")]
    assert len(ids) == len(set(ids)) == 16 * 21
    # killed: a partial or a merged segment that no TOC lists; interrupted: cleaned up at once
    assert bool(stray_files(index)) == (not merged and not interrupted)
    report = update_index(index, [archive], commit_every=EVERY, procs=1)
    assert (report.unchanged, report.added, report.articles) == (16, 4, 4 * 21)  # nothing redone
    assert stray_files(index) == [] and NewsIndex(index).check().ok
    with NewsIndex.open(index) as ix:
        ids = [h.id for h in ix.export("char OR NOT char")]
    assert sorted(ids) == sorted(d["id"] for d in docs)


def test_a_segment_of_deleted_articles_only_is_dropped(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    archive = split_archive(tmp_path / "archive", docs, 20)
    index = tmp_path / "index"
    files = [archive / f"part{n:02d}.jsonl" for n in range(3)]
    for path in files:
        update_index(index, [path], procs=1, merge=False)
    files[1].write_text("".join(json.dumps(d | {"id": f"new{d['id']}"}) + "\n" for d in docs[:5]), encoding="utf-8")
    report = update_index(index, files, procs=1)  # the 21 articles of the second segment deleted
    assert (report.updated, report.merges) == (1, 1)
    ix = windex.open_dir(str(index))
    assert [(s.doc_count_all(), s.deleted_count()) for s in ix._segments()] == [(21, 0), (21, 0), (5, 0)]
    assert stray_files(index) == [] and NewsIndex(index).check().ok
