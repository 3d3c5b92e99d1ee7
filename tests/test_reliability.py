"""Bad input, interruptions and concurrent use never cost data (real subprocesses)."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newssearch import IndexLockedError, IndexWriteError, NewsIndex
from newssearch.indexing import update_index

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("Ramstein Leopard chars Ukraine Berlin Moscou alliance ministre défense réunion aide "
         "militaire livraison armes sécurité conseil président Europe").split()


def make_archive(folder: Path, n: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    for i in range(n):
        sub = folder / f"{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (sub / f"a{i:04d}.txt").write_text(f"Article {i} {rng.choice(WORDS)}\n\n{body}.\n", encoding="utf-8")
    return folder


def indexer(archive: Path, index: Path, *, commit_every: int = 25, procs: int = 1) -> subprocess.Popen[str]:
    code = textwrap.dedent(f"""
        from newssearch.indexing import update_index
        update_index({str(index)!r}, [{str(archive)!r}], commit_every={commit_every}, procs={procs})
    """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stored(index: Path) -> list[dict[str, object]]:
    """The stored fields of every article in the index, read through Whoosh itself."""
    from whoosh import index as whoosh_index

    with NewsIndex.open(index):  # opens (a damaged index fails here)
        pass
    ix = whoosh_index.open_dir(str(index))
    try:
        with ix.searcher() as searcher:
            return list(searcher.all_stored_fields())
    finally:
        ix.close()


def snapshot(index: Path) -> list[tuple[str, str]]:
    return sorted((str(f["id"]), str(f["hash"])) for f in stored(index))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    folder = tmp_path_factory.mktemp("reference")
    archive = make_archive(folder / "archive", 300)
    update_index(folder / "index", [archive])
    return archive, snapshot(folder / "index")


@pytest.mark.parametrize("sig, procs", [(signal.SIGKILL, 1), (signal.SIGINT, 1), (signal.SIGKILL, 2)])
def test_killed_indexing_resumes_to_the_same_index(tmp_path: Path, reference: tuple[Path, list[tuple[str, str]]],
                                                   sig: int, procs: int) -> None:
    archive, expected = reference
    index = tmp_path / "index"
    rng = random.Random(sig * 10 + procs)
    for _ in range(3):
        proc = indexer(archive, index, procs=procs)
        time.sleep(rng.uniform(0.3, 1.5))
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        if (index / "newssearch.json").exists():
            with NewsIndex.open(index) as ix:  # always openable and searchable
                ix.search("Ramstein OR Leopard", limit=5)
    finished = indexer(archive, index, procs=procs)
    _, errors = finished.communicate(timeout=120)
    assert finished.returncode == 0, errors
    assert snapshot(index) == expected


def hold_writer(index: Path, *, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the writer lock of ``index`` for a while."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from newssearch.folder import IndexFolder
        with IndexFolder({str(index)!r}).writing():
            print("locked", flush=True)
            time.sleep({seconds})
    """)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_second_writer_is_told_who_holds_the_index(tmp_path: Path, reference: tuple[Path, object]) -> None:
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    holder = hold_writer(index, seconds=60)
    with pytest.raises(IndexLockedError) as caught:
        update_index(index, [archive])
    assert caught.value.pid == holder.pid
    assert f"is being updated by process {holder.pid}" in str(caught.value)
    holder.kill()  # a lock left by a dead process clears itself
    holder.communicate()
    assert update_index(index, [archive]).added == 257


def test_wait_for_the_other_writer(tmp_path: Path, reference: tuple[Path, object]) -> None:
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    holder = hold_writer(index, seconds=1.5)
    assert update_index(index, [archive], wait=30).added == 257
    holder.communicate()


def test_searches_stay_consistent_while_indexing(tmp_path: Path, reference: tuple[Path, object]) -> None:
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    proc = indexer(archive, index, commit_every=20)
    counts = []
    with NewsIndex.open(index) as ix:
        while proc.poll() is None:
            results = ix.query("Ramstein OR Leopard OR Article", limit=3)
            counts.append(len(ix))
            assert results.hits and results.total <= counts[-1]
        assert proc.communicate()[1] == "" and proc.returncode == 0
        counts.append(len(ix))
    assert counts == sorted(counts) and counts[-1] == 300 and len(counts) > 3


def test_disk_full_leaves_the_old_index_intact(tmp_path: Path, reference: tuple[Path, list[tuple[str, str]]],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    archive, _ = reference
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    before = snapshot(index)
    from whoosh.writing import SegmentWriter

    def full(self: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SegmentWriter, "commit", full)
    with pytest.raises(IndexWriteError, match="no space left on device. The index was left as it was"):
        update_index(index, [archive], procs=1)
    monkeypatch.undo()
    assert snapshot(index) == before
    assert update_index(index, [archive]).added == 257


def test_read_only_index_folder(tmp_path: Path, reference: tuple[Path, object],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    before = snapshot(index)
    from whoosh.filedb.filestore import FileStorage

    def read_only(self: object, name: str, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(FileStorage, "create_file", read_only)  # root ignores chmod: simulate it
    with pytest.raises(IndexWriteError, match="permission denied"):
        update_index(index, [archive], procs=1)
    monkeypatch.undo()
    assert snapshot(index) == before
    assert update_index(index, [archive]).added == 257


def test_a_dead_worker_is_an_error_not_a_hang(tmp_path: Path, reference: tuple[Path, object],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from newssearch.engine import writers

    index = tmp_path / "index"
    update_index(index, [reference[0] / "0"])
    before = snapshot(index)
    monkeypatch.setattr(writers._WorkerTask, "run", lambda self: os._exit(3))  # forked workers inherit it
    started = time.monotonic()
    with pytest.raises(IndexWriteError, match=r"an indexing worker process failed \(exit code 3\)"):
        update_index(index, [reference[0]], procs=2)
    assert time.monotonic() - started < 30
    monkeypatch.undo()
    assert snapshot(index) == before
    assert update_index(index, [reference[0]], procs=2).added == 257


def cli_run(*args: str) -> subprocess.Popen[str]:
    """``newssearch ARGS`` in a process of its own."""
    return subprocess.Popen([sys.executable, "-m", "newssearch", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def stored_ids(index: Path) -> list[str]:
    return [str(f["id"]) for f in stored(index)]


def test_two_waiting_runs_on_one_folder_index_each_article_once(tmp_path: Path,
                                                                reference: tuple[Path, object]) -> None:
    """A cron overlap: both runs read the manifest before either held the lock, and the second
    added again what the first had just added (3,400 articles for 1,900 ids)."""
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    runs = [cli_run("index", "--wait", "300", "--index", str(index), str(archive)) for _ in range(2)]
    results = sorted(finish(run)[:2] for run in runs)
    assert [code for code, _ in results] == [0, 0], results
    assert results[0][1].startswith("0 files added, 0 updated, 300 unchanged")  # the run that waited
    assert results[1][1].startswith("257 files added, 0 updated, 43 unchanged")
    ids = stored_ids(index)
    assert len(ids) == len(set(ids)) == 300


def test_two_waiting_runs_on_two_folders_keep_both_in_the_manifest(tmp_path: Path,
                                                                   reference: tuple[Path, object]) -> None:
    """The second run wrote the manifest it had read before the first committed: the first
    run's files were forgotten, and the next run added their articles again."""
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    halves = [[str(archive / d) for d in "123"], [str(archive / d) for d in "456"]]
    runs = [cli_run("index", "--wait", "300", "--index", str(index), *half) for half in halves]
    assert [finish(run)[0] for run in runs] == [0, 0]
    code, out, _ = finish(cli_run("index", "--index", str(index), str(archive)))
    assert code == 0 and out.startswith("0 files added, 0 updated, 300 unchanged"), out
    ids = stored_ids(index)
    assert len(ids) == len(set(ids)) == 300


def test_rebuild_during_a_run_waits_for_it(tmp_path: Path, reference: tuple[Path, object]) -> None:
    """--rebuild took no lock: run while another index wrote, it deleted the committed index
    under the writer and left a folder that could be neither opened, updated nor rebuilt."""
    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    # A writer that holds the lock until told to go on: on a quiet machine a real run could end
    # before the refused rebuild starts.
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from newssearch.folder import IndexFolder
        with IndexFolder({str(index)!r}).locked():
            print("locked", flush=True)
            sys.stdin.readline()
    """)], cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stdout.readline() == "locked\n"
    rebuild = cli_run("index", "--rebuild", "--wait", "300", "--index", str(index), str(archive / "1"))
    refused = cli_run("index", "--rebuild", "--index", str(index), str(archive / "2"))
    code, _, err = finish(refused)
    assert (code, err.count("\n")) == (1, 1) and "is being updated by process" in err, err
    _, errors = writer.communicate("go\n", timeout=300)
    assert writer.returncode == 0, errors
    code, out, err = finish(rebuild)
    assert code == 0 and out.startswith("43 files added, 0 updated, 0 unchanged"), (out, err)
    ids = stored_ids(index)
    assert len(ids) == len(set(ids)) == 43 and all(f"{archive / '1'}/" in i for i in ids)


def test_a_folder_left_half_built_can_be_rebuilt(tmp_path: Path, reference: tuple[Path, object]) -> None:
    """A run killed right after Whoosh created its files, before newssearch.json."""
    archive = reference[0]
    index = tmp_path / "index"
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal
        from whoosh import index
        create_in = index.create_in
        def create_and_die(*args, **kwargs):
            create_in(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        index.create_in = create_and_die
        from newssearch.indexing import update_index
        update_index({str(index)!r}, [{str(archive / '0')!r}])
    """)], cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL and not (index / "newssearch.json").exists()
    code, _, err = finish(cli_run("index", "--index", str(index), str(archive / "0")))
    assert code == 1 and err.count("\n") == 1 and "index --rebuild" in err, err
    code, out, err = finish(cli_run("index", "--rebuild", "--index", str(index), str(archive / "0")))
    assert code == 0 and out.startswith("43 files added"), err
    assert len(stored_ids(index)) == 43


def deleted_documents(index: Path) -> tuple[int, int]:
    """(documents marked deleted, segments): what work done twice leaves in an index."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index))
    try:
        with ix.reader() as reader:
            return reader.doc_count_all() - reader.doc_count(), len(ix._segments())
    finally:
        ix.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_killed_between_commit_and_manifest_redoes_nothing(tmp_path: Path, reference: tuple[Path, list[tuple[str, str]]],
                                                           procs: int) -> None:
    """A kill after Whoosh's commit, before the manifest, made the next run add every file again
    (41 MB in 4 segments instead of 20.5 MB in 2). The manifest of a commit is written before
    it; the next run takes the one that matches the index."""
    archive, expected = reference
    index = tmp_path / "index"
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal
        from whoosh.writing import SegmentWriter
        finish = SegmentWriter._finish
        def finish_and_die(self):  # the end of Whoosh's commit, TOC written
            finish(self)
            if self.generation == 1:
                os.kill(os.getpid(), signal.SIGKILL)
        SegmentWriter._finish = finish_and_die
        from newssearch.indexing import update_index
        update_index({str(index)!r}, [{str(archive)!r}], commit_every=100, procs={procs})
    """)], cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(stored_ids(index)) == 100
    report = update_index(index, [archive], commit_every=100, procs=procs)
    assert (report.unchanged, report.added) == (100, 200)
    assert snapshot(index) == expected
    assert deleted_documents(index)[0] == 0


def test_killed_in_the_middle_of_a_file_reads_only_that_file_again(tmp_path: Path) -> None:
    """A commit inside a large JSON Lines file: the next run deletes and reads that file only."""
    archive = tmp_path / "archive"
    archive.mkdir()
    records = [{"id": f"r{i}", "title": f"Dépêche {i}", "body": f"Ramstein {i} Leopard"} for i in range(250)]
    (archive / "big.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (archive / "a-small.txt").write_text("Note\n\nUn texte.\n", encoding="utf-8")
    index = tmp_path / "index"
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal
        from whoosh.writing import SegmentWriter
        finish = SegmentWriter._finish
        def finish_and_die(self):
            finish(self)
            if self.generation == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        SegmentWriter._finish = finish_and_die
        from newssearch.indexing import update_index
        update_index({str(index)!r}, [{str(archive)!r}], commit_every=100, procs=1)
    """)], cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert 100 < len(stored_ids(index)) < 251
    report = update_index(index, [archive], commit_every=100, procs=1)
    assert (report.added, report.unchanged, report.articles) == (1, 1, 250)
    ids = stored_ids(index)
    assert len(ids) == len(set(ids)) == 251


def test_disk_full_at_the_manifest_says_what_was_kept(tmp_path: Path, reference: tuple[Path, object],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC on the manifest of the second commit: the message said "The index was left as
    it was" although the first batch had been committed."""
    import gzip

    archive = reference[0]
    index = tmp_path / "index"
    update_index(index, [archive / "0"])
    compress, calls = gzip.compress, []

    def full_at_the_second(data: bytes, *args: object, **kwargs: object) -> bytes:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return compress(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gzip, "compress", full_at_the_second)
    with pytest.raises(IndexWriteError) as caught:
        update_index(index, [archive], commit_every=100, procs=1)
    monkeypatch.undo()
    assert str(caught.value) == (f"Cannot write the index in '{index}': no space left on device. The 100 articles "
                                 "this run committed before the error were kept; run it again for the rest.")
    assert len(stored_ids(index)) == 143
    report = update_index(index, [archive], commit_every=100, procs=1)
    assert (report.unchanged, report.added) == (143, 157)
    assert len(set(stored_ids(index))) == 300 and deleted_documents(index)[0] == 0


def _can_mount_tmpfs() -> bool:
    """Whether this machine lets a process mount a small filesystem of its own (a user
    namespace with its own mounts), the test bed of a really full disk."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=1m tmpfs /mnt && touch /mnt/x"], capture_output=True)
    return probe.returncode == 0


FULL_DISK = textwrap.dedent("""
    import json, os, subprocess, sys
    from pathlib import Path
    from newssearch.errors import NewsSearchError
    from newssearch.indexing import update_index

    mnt, archive, size, procs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], check=True)
    index, out = mnt / "index", []
    for attempt in range(3):
        if attempt == 2:  # room again
            subprocess.run(["mount", "-o", f"remount,size={size * 4}", str(mnt)], check=True)
        try:
            report = update_index(index, [archive], commit_every=200, procs=procs)
            result = [report.added, report.unchanged]
        except NewsSearchError as exc:
            result = f"{type(exc).__name__}: {exc}"
        st = os.statvfs(mnt)
        out.append([result, sorted(os.listdir(index)), (st.f_blocks - st.f_bfree) * st.f_frsize])
    print(json.dumps(out))
""")


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="cannot mount a small filesystem here")
@pytest.mark.parametrize("procs", [1, 2])
def test_a_full_disk_keeps_what_was_committed_and_leaves_no_debris(tmp_path: Path, procs: int) -> None:
    """On a really full disk (a small tmpfs): the partial segment stayed, the disk stayed full,
    and the next run ended in a 42-line sqlite3 traceback ("database or disk is full")."""
    rng = random.Random(7)
    archive = tmp_path / "archive"
    archive.mkdir()
    for i in range(600):  # words with numbers: a large vocabulary, a large segment
        body = " ".join(f"{rng.choice(WORDS)}{rng.randrange(20000)}" for _ in range(200))
        (archive / f"a{i:03d}.txt").write_text(f"Article {i}\n\n{body}\n", encoding="utf-8")
    first = tmp_path / "first"
    update_index(first, sorted(archive.iterdir())[:200], procs=procs)
    one_batch = sum(p.stat().st_size for p in first.iterdir())
    # room for the first batch (its segment is written, then copied into one compound file), not the second
    size = int(one_batch * 2.5)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    run = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", sys.executable, "-c", FULL_DISK,
                          str(mnt), str(archive), str(size), str(procs)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    (failed, files, used), (again, files_again, used_again), (done, _, _) = json.loads(run.stdout)
    worker = "an indexing worker process failed: " if procs > 1 else ""
    assert failed == (f"IndexWriteError: Cannot write the index in '{mnt / 'index'}': {worker}no space left on device. "
                      "The 200 articles this run committed before the error were kept; run it again for the rest.")
    segment = [name for name in files if name.startswith("MAIN_") and name != "MAIN_WRITELOCK"]
    assert [name.split(".")[1] for name in segment] in (["seg"], ["seg", "sum"])  # sum: its checksums
    assert files == sorted(["MAIN_WRITELOCK", *segment, "_MAIN_1.toc", "files.json.gz", "groups.sqlite",
                            "newssearch.json"])
    assert used < one_batch * 1.5  # the partial segment of the second batch is gone
    assert again.startswith("IndexWriteError: ") and again.endswith("The index was left as it was.")
    assert files_again == files and used_again < one_batch * 1.5
    assert done == [400, 200]


def test_what_killed_runs_leave_is_removed_by_the_next_run(tmp_path: Path) -> None:
    # Crashes left _MAIN_<n>.toc.<time>, .files.json.gz.<pid>.tmp, .newssearch.json.<pid>.tmp and
    # a dead writer.pid behind for good; the next run (holding the lock) removes them.
    archive = make_archive(tmp_path / "archive", 5)
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    before = sorted(p.name for p in folder.iterdir())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphans = ["_MAIN_7.toc.1700000000.5", ".files.json.gz.99999.tmp", ".files.next.json.gz.99999.tmp",
               ".newssearch.json.99999.tmp", "MAIN_deadbeefdeadbeef.seg"]
    for name in orphans:
        (folder / name).write_bytes(b"debris")
    (folder / "writer.pid").write_text(str(dead.pid), encoding="ascii")
    (folder / "MAIN.tmp").mkdir()  # a killed writer's spill folder
    (folder / "MAIN.tmp" / "run.tmp").write_bytes(b"debris")
    report = update_index(folder, [archive])
    assert report.unchanged == 5 and sorted(p.name for p in folder.iterdir()) == before
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 5


def test_manifest_and_settings_reach_the_disk_before_their_rename(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def recorded_replace(src: str | Path, dst: str | Path) -> None:
        events.append(("replace", f"{src} -> {dst}"))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    folder = tmp_path / "ix"
    update_index(folder, [make_archive(tmp_path / "archive", 3)])
    renamed = {Path(e[1].split(" -> ")[1]).name for e in events if e[0] == "replace"}
    assert {"newssearch.json", "files.json.gz", "files.next.json.gz"} <= renamed
    for n, (kind, what) in enumerate(events):
        if kind == "replace" and Path(what.split(" -> ")[1]).parent == folder:
            src, dst = what.split(" -> ")
            if Path(src).name.endswith(".tmp"):  # written by us: its data first
                assert ("fsync", src) in events[:n], what
            assert ("fsync", str(folder)) in events[n + 1:], f"{what}: the folder is not synced after"
