"""What the benchmark scripts share. Run them as `python benchmarks/NAME.py`, which puts
this folder on the import path."""

from __future__ import annotations

import sys
import time


def log(message: str) -> None:
    """A timestamped progress line on stderr (the report itself goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
