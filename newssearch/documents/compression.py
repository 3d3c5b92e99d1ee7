"""Gzipped files (``.txt.gz``, ``.json.gz``...): decompressed with a size limit, so that a
small file that expands enormously (a "gzip bomb") is refused instead of filling memory.
Gzipped JSON Lines files are streamed instead (reading.py), the limit on each record."""

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
                    raise DocumentError(path, f"decompressed size over the limit of {max_bytes:,} bytes (max_bytes)")
    except GZIP_ERRORS as exc:
        raise DocumentError(path, gzip_reason(exc)) from exc
    return bytes(out)


GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def gzip_reason(exc: BaseException) -> str:
    """Why a gzip stream could not be read, for a person (one of GZIP_ERRORS)."""
    if isinstance(exc, gzip.BadGzipFile):
        return f"corrupt gzip file ({_detail(str(exc))})"
    if isinstance(exc, EOFError):
        return "corrupt gzip file (truncated)"
    return "corrupt gzip file (invalid compressed data)"


def _detail(message: str) -> str:
    if message.startswith("Not a gzipped file"):
        return "not gzip data"
    if message.startswith(("CRC check failed", "Incorrect length")):
        return "checksum mismatch"
    return "invalid compressed data"
