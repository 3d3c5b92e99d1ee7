#!/usr/bin/env python3
"""What compressing an index's posting blocks and stored articles costs (engine/deflate.py).

    python benchmarks/deflate.py [--n 5000] [--work DIR]

Indexes ``--n`` articles of a scale_corpus.py archive in this process (one worker), keeping
every posting block's pickle and every article's pickled stored fields as the writer hands
them to compression. Each set is then compressed by each method, best of 3 rounds: Whoosh's
(standard zlib, level 3, every block) and newssearch's (ISA-L at the same level, blocks under
SMALL_BLOCK bytes left as they are), and variants between the two. Every output is checked
to decompress with the standard zlib to its input.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import log, publish  # noqa: E402 (this folder is on sys.path when run as a script)
from speed import ensure_archive

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh.columns import CompressedBytesColumn  # noqa: E402

from newssearch.engine import deflate  # noqa: E402
from newssearch.engine.patching import install  # noqa: E402
from newssearch.indexing import update_index  # noqa: E402

BENCH = Path(__file__).resolve().parent
Method = Callable[[bytes], tuple[bytes, int]]


def capture(jsonl: Path, folder: Path) -> tuple[list[bytes], list[bytes]]:
    """The posting blocks' and the stored fields' pickles written when indexing ``jsonl``."""
    install()  # first: it sets the writer methods wrapped below
    blocks: list[bytes] = []
    stored: list[bytes] = []
    packed_block, add_stored = deflate.packed_block, CompressedBytesColumn.Writer.add

    def keep_block(pickled: bytes, level: int) -> tuple[bytes, int]:
        blocks.append(bytes(pickled))
        return packed_block(pickled, level)

    def keep_stored(writer: Any, docnum: int, data: bytes) -> None:
        stored.append(bytes(data))
        add_stored(writer, docnum, data)

    deflate.packed_block = keep_block  # type: ignore[assignment]
    CompressedBytesColumn.Writer.add = keep_stored
    try:
        update_index(folder, [jsonl], procs=1, group=False)
    finally:
        deflate.packed_block, CompressedBytesColumn.Writer.add = packed_block, add_stored  # type: ignore[assignment]
    return blocks, stored


def isal_all(data: bytes) -> tuple[bytes, int]:
    return deflate.compress(data, 3), 3


METHODS: dict[str, Method] = {
    "zlib level 3, every block (Whoosh)": lambda d: (zlib.compress(d, 3), 3),
    "zlib level 3, small blocks as they are": lambda d: (zlib.compress(d, 3), 3) if len(d) >= deflate.SMALL_BLOCK
    else (d, 0),
    "ISA-L level 3, every block": isal_all,
    "ISA-L level 3, small blocks as they are (newssearch)": lambda d: deflate.packed_block(d, 3),
}

STORED_METHODS: dict[str, Method] = {
    "zlib level 3 (Whoosh)": lambda d: (zlib.compress(d, 3), 3),
    "ISA-L level 3 (newssearch)": isal_all,
}


def measure(data: list[bytes], method: Method) -> tuple[float, int]:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        out = [method(d) for d in data]
        best = min(best, time.perf_counter() - start)
    assert all((zlib.decompress(o) if level else o) == d for (o, level), d in zip(out, data))
    return best, sum(len(o) for o, _ in out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000, help="articles indexed")
    ap.add_argument("--work", type=Path, default=BENCH / "work", help="where the archive is cached")
    ap.add_argument("--output", type=Path, default=BENCH / "results" / "deflate.txt")
    args = ap.parse_args(argv)
    archive = ensure_archive(args.n, args.work, txt=False)
    with tempfile.TemporaryDirectory() as tmp:
        blocks, stored = capture(archive.jsonl, Path(tmp) / "ix")
    lines = [f"command: python benchmarks/deflate.py --n {args.n}",
             f"{args.n:,} scale_corpus.py articles, one worker; best of 3 rounds, this process", ""]
    for label, data in (("posting blocks", blocks), ("stored articles", stored)):
        raw = sum(map(len, data))
        sizes = sorted(map(len, data))
        lines.append(f"{label}: {len(data):,} pickles, {raw / 1024:,.0f} KB, median {sizes[len(sizes) // 2]} bytes")
        methods = STORED_METHODS if data is stored else METHODS
        for name, method in methods.items():
            seconds, size = measure(data, method)
            lines.append(f"  {name:55s} {seconds * 1e3:8.1f} ms  {size / raw:6.1%} of the pickles' size")
        lines.append("")
    log(f"{len(blocks):,} blocks, {len(stored):,} articles measured")
    publish(lines, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
