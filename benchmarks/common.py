"""What the benchmark scripts share. Run them as `python benchmarks/NAME.py`, which puts
this folder on the import path."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def log(message: str) -> None:
    """A timestamped progress line on stderr (the report itself goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def publish(lines: list[str], output: Path) -> None:
    """Print a benchmark's report and keep it in ``output``."""
    text = "\n".join(lines) + "\n"
    print(text, end="")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    log(f"written to {output}")
