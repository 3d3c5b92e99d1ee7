"""Gzipped files (``.jsonl.gz``, ``.txt.gz``...): decompressed with a size limit, so that a
small file that expands enormously (a "gzip bomb") is refused instead of filling memory."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

from ..errors import DocumentError

_CHUNK = 1024 * 1024


def gunzip(path: Path, raw: bytes, *, max_bytes: int) -> bytes:
    """The decompressed content of a gzip file (all its members). Raises DocumentError when
    it is corrupt or decompresses to more than ``max_bytes``."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            while chunk := stream.read(min(_CHUNK, max_bytes + 1 - len(out))):
                out += chunk
                if len(out) > max_bytes:
                    raise DocumentError(path, f"decompressed size over {max_bytes:,} bytes")
    except gzip.BadGzipFile as exc:
        raise DocumentError(path, f"corrupt gzip file ({_detail(str(exc))})") from exc
    except EOFError as exc:
        raise DocumentError(path, "corrupt gzip file (truncated)") from exc
    except zlib.error as exc:
        raise DocumentError(path, "corrupt gzip file (invalid compressed data)") from exc
    return bytes(out)


def _detail(message: str) -> str:
    if message.startswith("Not a gzipped file"):
        return "not gzip data"
    if message.startswith(("CRC check failed", "Incorrect length")):
        return "checksum mismatch"
    return "invalid compressed data"
