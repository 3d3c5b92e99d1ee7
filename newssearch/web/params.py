"""The parameters of a request, read and checked once: a search (the CLI's options as URL
parameters) or an article id. A bad value raises ParameterError, which becomes a 400 with
a one-line message naming the parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, cast
from urllib.parse import urlencode

from ..config import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS
from ..searching import Mode, Sort

SORTS: tuple[Sort, ...] = ("relevance", "date")
MODES: tuple[Mode, ...] = ("auto", "all", "any")
FORMATS = ("csv", "jsonl")
MAX_PAGE = 100_000
SEARCH_NAMES = ("q", "since", "until", "source", "sort", "mode", "limit", "page", "all_versions")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")

Multi = Sequence[tuple[str, str]]  # a request's parameters in order, repeats kept


class ParameterError(Exception):
    """A missing or malformed request parameter; the message is one line for a person."""


@dataclass(frozen=True)
class SearchParams:
    """One search as the URL carries it; defaults are left out of the links built from it."""

    q: str = ""
    since: date | None = None
    until: date | None = None
    source: str | None = None
    sort: Sort = "relevance"
    mode: Mode = "auto"
    limit: int = DEFAULT_LIMIT
    page: int = 1
    all_versions: bool = False

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of NewsIndex.query/facets/export that narrow the hits."""
        return {"since": self.since, "until": self.until, "source": self.source}

    def query_kwargs(self) -> dict[str, Any]:
        return {**self.filters(), "sort": self.sort, "mode": self.mode, "limit": self.limit, "page": self.page,
                "all_versions": self.all_versions}

    def pairs(self, **changes: Any) -> list[tuple[str, str]]:
        """This search (with ``changes``) as URL parameters, without default values."""
        params = replace(self, **changes)
        default = SearchParams()
        pairs = []
        for name in SEARCH_NAMES:
            value = getattr(params, name)
            if value == getattr(default, name) or value is None:
                continue
            pairs.append((name, "1" if value is True else value.isoformat() if isinstance(value, date) else str(value)))
        return pairs

    def query_string(self, **changes: Any) -> str:
        return urlencode(self.pairs(**changes))


def read_search(items: Multi, *, strict: bool, require_q: bool = True, names: tuple[str, ...] = SEARCH_NAMES,
                extra: tuple[str, ...] = ()) -> SearchParams:
    """A SearchParams from URL parameters. ``strict`` (the JSON API) refuses unknown and
    repeated parameters, so that a typo (``sourc=``) is not silently an unfiltered search;
    pages ignore them. Empty values mean "not set", as a submitted HTML form sends them.
    ``names``: the parameters this endpoint takes (the others keep their defaults)."""
    values = _single(items, names + extra, strict=strict)
    q = values.get("q", "").strip()
    if require_q and not q:
        raise ParameterError("Missing parameter q: the query, e.g. q=Ramstein+Leopard.")
    if len(q) > MAX_QUERY_CHARS:
        raise ParameterError(f"Parameter q is too long: {len(q):,} characters, at most {MAX_QUERY_CHARS:,}.")
    since, until = read_date(values, "since"), read_date(values, "until")
    if since and until and since > until:
        raise ParameterError(f"since ({since}) is after until ({until}).")
    return SearchParams(q=q, since=since, until=until, source=values.get("source", "").strip() or None,
                        sort=cast(Sort, read_choice(values, "sort", SORTS)),
                        mode=cast(Mode, read_choice(values, "mode", MODES)),
                        limit=read_int(values, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                        page=read_int(values, "page", 1, 1, MAX_PAGE),
                        all_versions=read_bool(values, "all_versions"))


def read_id(items: Multi, *, strict: bool, extra: tuple[str, ...] = ()) -> str:
    """The ``id`` parameter (ids are file paths or a record's own id: slashes are fine)."""
    values = _single(items, ("id",) + extra, strict=strict)
    article_id = values.get("id", "")
    if not article_id.strip():
        raise ParameterError("Missing parameter id: an article id, as given by /api/search.")
    return article_id


def read_format(items: Multi) -> Literal["csv", "jsonl"]:
    return cast(Literal["csv", "jsonl"], read_choice(dict(items), "format", FORMATS, required=True))


def read_int(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ParameterError(f"Parameter {name} must be a whole number, not {raw[:40]!r}.") from None
    if not low <= number <= high:
        raise ParameterError(f"Parameter {name} must be between {low} and {high:,}, not {number}.")
    return number


def read_choice(values: Mapping[str, str], name: str, choices: tuple[str, ...], *, required: bool = False) -> str:
    raw = values.get(name, "").strip()
    if not raw and not required:
        return choices[0]
    if raw not in choices:
        given = f", not {raw[:40]!r}" if raw else ""
        raise ParameterError(f"Parameter {name} must be one of {', '.join(choices)}{given}.")
    return raw


def read_date(values: Mapping[str, str], name: str) -> date | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(f"Parameter {name} must be a date as YYYY-MM-DD, not {raw[:40]!r}.") from None


def read_bool(values: Mapping[str, str], name: str) -> bool:
    raw = values.get(name, "").strip().lower()
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise ParameterError(f"Parameter {name} must be 1 or 0, not {raw[:40]!r}.")


def _single(items: Multi, known: tuple[str, ...], *, strict: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in items:
        if name not in known:
            if strict:
                raise ParameterError(f"Unknown parameter {name[:40]!r}: use {', '.join(known)}.")
            continue
        if name in values and strict:
            raise ParameterError(f"Parameter {name} is given more than once.")
        values[name] = value
    return values
