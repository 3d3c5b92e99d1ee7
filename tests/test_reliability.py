"""Bad input, interruptions and concurrent use never cost data (real subprocesses)."""

from __future__ import annotations

import errno
import os
import random
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
    writer = indexer(archive, index, commit_every=20)
    deadline = time.monotonic() + 60
    while not (index / "writer.pid").exists() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    rebuild = cli_run("index", "--rebuild", "--wait", "300", "--index", str(index), str(archive / "1"))
    refused = cli_run("index", "--rebuild", "--index", str(index), str(archive / "2"))
    code, _, err = finish(refused)
    assert (code, err.count("\n")) == (1, 1) and "is being updated by process" in err, err
    _, errors = writer.communicate(timeout=300)
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
