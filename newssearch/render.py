"""Terminal output with rich: hits with highlighted snippets, the index report, progress.
Used only by cli.py."""

from __future__ import annotations

import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

HIGHLIGHT = "bold black on yellow"


class _Console(Console):
    """A console whose closed pipe is the caller's to handle (rich's own exits with 1): the
    CLI ends quietly with 0, as grep does under ``| head``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def stdout_console() -> Console:
    return _Console(file=sys.stdout, highlight=False)


@contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[Any], None] | None, Callable[[int, int], None] | None]]:
    """A rich progress bar of an indexing run on stderr when stderr is a terminal (otherwise
    no callback at all): articles read and their rate, megabytes read of those to read, files
    done, and the time left, so that a single large file moves too; and the callback of a
    "Merging segments" bar, shown while segments are merged (both None when not a terminal)."""
    if not sys.stderr.isatty():
        yield None, None
        return
    columns = (TextColumn("{task.description}"), BarColumn(bar_width=None), TextColumn("{task.fields[amount]}"),
               TimeRemainingColumn())
    console = Console(file=sys.stderr)
    console.width -= 3  # room for the "^C" the terminal echoes after the bar: a wrapped line stays behind
    with Progress(*columns, console=console, transient=True, expand=True) as bar:
        task = bar.add_task(label, total=None, amount="")
        started = time.monotonic()

        def update(state: Any) -> None:
            by_bytes = state.bytes_total > 0
            bar.update(task, completed=state.bytes_read if by_bytes else state.files,
                       total=state.bytes_total if by_bytes else state.files_total,
                       amount=progress_amount(state, time.monotonic() - started))

        yield update, _phase(bar, "Merging segments", "bytes")


@contextmanager
def progress_bars(*phases: tuple[str, str]) -> Iterator[list[Callable[[int, int], None] | None]]:
    """A rich progress bar per phase, given as (label, unit: "files" or "bytes"), on stderr
    when stderr is a terminal (otherwise no callbacks at all). A phase's bar shows while it
    runs: "Merging segments" appears during a merge instead of a frozen indexing bar."""
    if not sys.stderr.isatty():
        yield [None] * len(phases)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[amount]}"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        yield [_phase(bar, label, unit) for label, unit in phases]


def _phase(bar: Progress, label: str, unit: str) -> Callable[[int, int], None]:
    task = bar.add_task(label, total=None, visible=False, amount="")

    def update(done: int, total: int) -> None:
        amount = f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB" if unit == "bytes" else f"{done:,}/{total:,} {unit}"
        bar.update(task, completed=done, total=total, amount=amount, visible=unit == "files" or done < total)

    return update


def progress_amount(state: Any, seconds: float) -> str:
    """``12,345 articles (1,234/s) · 5.1/8.7 MB · 0/1 files``: what a progress bar says."""
    rate = f" ({state.articles / seconds:,.0f}/s)" if seconds >= 1 and state.articles else ""
    parts = [f"{plural(state.articles, 'article')}{rate}"]
    if state.bytes_total:
        parts.append(f"{state.bytes_read / 1e6:,.1f}/{state.bytes_total / 1e6:,.1f} MB")
    parts.append(f"{state.files:,}/{state.files_total:,} files")
    return " · ".join(parts)


def fitted(line: str) -> str:
    """A line broken between words at the terminal's width (the terminal would break a word)."""
    return textwrap.fill(line, terminal_size()[0], break_long_words=False, break_on_hyphens=False)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def report_line(report: Any) -> str:
    merged = f" ({plural(report.merges, 'segment merge')}: {report.merge_seconds:.1f} s)" if report.merges else ""
    return (f"{plural(report.added, 'file')} added, {report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.removed:,} removed, {len(report.skipped):,} skipped; "
            f"{plural(report.articles, 'article')} written in {report.seconds:.1f} s{merged}.")


def merge_line(report: Any) -> str:
    if not report.merges:
        return f"Nothing to merge: {plural(report.segments_after, 'segment')}."
    return (f"Merged {plural(report.segments_before, 'segment')} into {report.segments_after:,} "
            f"({report.bytes_read / 1e6:,.0f} MB) in {report.seconds:.1f} s.")


def display_path(path: str) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return os.path.relpath(path) if Path(path).is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def shorten(text: str, width: int) -> str:
    """``text`` cut from the left to ``width`` characters (a path keeps its file name)."""
    return text if len(text) <= width else "…" + text[len(text) - width + 1:]


def shown_id(hit: Any) -> str:
    """What to type to show an article: its id when short (a record's own), else its key."""
    article_id: str = hit.id
    return article_id if len(article_id) <= 24 and not any(c.isspace() or c in "/\\" for c in article_id) \
        else str(hit.key)


def highlighted(text: str, spans: Any, base: str = "") -> Text:
    out = Text(text, style=base)
    for start, end in spans:
        out.stylize(HIGHLIGHT, start, end)
    return out


ORDERS = {"relevance": "best first", "date": "newest first", "index": "in index order"}


def print_results(results: Any, *, page: int, limit: int) -> None:
    """A page of hits, each wrapped to the terminal's width under its rank (hanging indent);
    the score only where the hits are ranked by it."""
    console = stdout_console()
    first = (page - 1) * limit + 1
    last = first + len(results.hits) - 1
    console.print(Text(f"{plural(results.total, 'result')}; showing {first}-{last}, {ORDERS[results.sort]}",
                       style="dim"))
    indent = len(f"{last}.") + 1
    for hit in results.hits:
        console.print()
        print_indented(console, Text(f"{hit.rank}.".rjust(indent - 1), style="bold"),
                       hit_text(hit, console.width - indent, show_score=results.sort == "relevance"), indent)


def print_indented(console: Console, head: Text, body: Text, indent: int) -> None:
    """``head`` then ``body`` wrapped to the width left after ``indent`` columns, every line
    of it starting there; nothing trails a line."""
    lines = keep_together(body).wrap(console, max(20, console.width - indent))
    for number, line in enumerate(lines):
        line.rstrip()
        line.plain = line.plain.replace(_GLUE, " ")  # back to the article's own spaces
        console.print(Text.assemble(head if number == 0 else " " * (indent - 1), " ", line), no_wrap=True,
                      crop=False)


_FRENCH_SPACE = re.compile(r"(?<=«) | (?=[»:;!?])")
_GLUE = "\u2423"  # not white space for the wrapping, one column wide like the space it stands for


def keep_together(text: Text) -> Text:
    """French punctuation kept with its word when lines wrap ("États-Unis »" is not split
    before the »): the space before it is glued until the lines are made (same length: the
    highlights stay in place)."""
    plain = text.plain
    if not _FRENCH_SPACE.search(plain):
        return text
    out = text.copy()
    out.plain = _FRENCH_SPACE.sub(_GLUE, plain)
    return out


def hit_text(hit: Any, width: int = 76, *, show_score: bool = True) -> Text:
    """One hit: its title, a line of facts (date, source, where to read it, the id to show it,
    the score) fitted to ``width``, its versions, and its snippets."""
    out = highlighted(hit.title or "(no title)", hit.title_spans, "bold cyan")
    out.append("\n")
    out.append(facts_line(hit, width, show_score=show_score), style="dim")
    if hit.versions > 1 and hit.first_version:
        source, when = hit.first_version
        first = " ".join(x for x in (source, when.strftime("%Y-%m-%d %H:%M") if when else None) if x)
        out.append(f"\n{hit.versions} versions: first {first or 'unknown'} (--all-versions shows them)",
                   style="magenta")
    for snippet in hit.snippets:
        out.append("\n")
        out.append_text(highlighted(snippet.text, snippet.spans))
    return out


def facts_line(hit: Any, width: int, *, show_score: bool = True) -> str:
    """Date · source · where to read it · id · score, in ``width`` columns when it can be: the
    place goes first (a web address keeps its site), then the source is cut, never the date,
    the id to type or the score."""
    date = hit.published.date().isoformat() if hit.published else "no date"
    tail = [f"id {shown_id(hit)}"] + ([f"score {hit.score:.2f}"] if show_score else [])
    source = hit.source or ""
    over = len(" · ".join([date, source, *tail] if source else [date, *tail])) - width
    if source and over > 0:
        source = source[:max(MIN_SOURCE, len(source) - over - 1)] + "…" if len(source) > MIN_SOURCE else source
    facts = [date, source] if source else [date]
    where = re.sub(r"^https?://(www\.)?", "", hit.url) if hit.url else display_path(hit.path)
    room = width - len(" · ".join(facts + tail)) - 3
    place = [shorten_address(where, room) if hit.url else shorten(where, room)] if where and room >= 12 else []
    return " · ".join(facts + place + tail)


MIN_SOURCE = 12  # characters of a source name kept however narrow the terminal


def shorten_address(address: str, width: int) -> str:
    """A web address cut in its middle to ``width`` characters: its site, "…", the end of
    its path (where a news site's address names the story)."""
    if len(address) <= width:
        return address
    site, _, rest = address.partition("/")
    if len(site) + 8 > width:
        return site[:width - 1] + "…"
    return site + "/…" + rest[len(rest) - (width - len(site) - 2):]


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    return "".join(SPARKS[min(len(SPARKS) - 1, v * len(SPARKS) // (top + 1))] if v else " " for v in values)


def month_range(months: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Every month from the first to the last with hits, zeros included."""
    if not months:
        return []
    counts = dict(months)
    year, month = map(int, months[0][0].split("-"))
    last = months[-1][0]
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def print_facets(facets: Any) -> None:
    console = stdout_console()
    table = Table(title=f"{plural(facets.total, 'result')} by source", title_justify="left")
    table.add_column("source")
    table.add_column("results", justify="right")
    for name, count in facets.sources[:20]:
        table.add_row(name, f"{count:,}")
    if len(facets.sources) > 20:
        table.add_row(f"... {len(facets.sources) - 20} more", f"{sum(n for _, n in facets.sources[20:]):,}")
    unsourced = facets.total - sum(n for _, n in facets.sources)
    if unsourced:
        table.add_row("(no source)", f"{unsourced:,}", style="dim")
    if facets.sources:
        console.print()
        console.print(table)
    years = Table(title="by year", title_justify="left")
    years.add_column("year")
    years.add_column("results", justify="right")
    years.add_column("")
    top = max((n for _, n in facets.years), default=1)
    for year, count in facets.years:
        years.add_row(year, f"{count:,}", "█" * max(1, round(30 * count / top)))
    if facets.years:
        console.print(years)
        timeline = month_range(facets.months)
        console.print(Text(f"by month {timeline[0][0]} … {timeline[-1][0]}: ", style="dim") +
                      Text(sparkline([n for _, n in timeline])), soft_wrap=True)


def print_stats(stats: Any, index_dir: Any) -> None:
    table = Table(show_header=False, title=f"Index '{index_dir}'", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    dates = "no dates" if stats.first is None else f"{stats.first.date().isoformat()} to {stats.last.date().isoformat()}"
    for label, value in [("articles", f"{stats.articles:,}"), ("sources", f"{stats.sources:,}"),
                         ("published", dates), ("size on disk", f"{stats.size_bytes / 1e6:,.1f} MB"),
                         ("segments", f"{stats.segments}"), ("last update", stats.updated or "unknown"),
                         ("sentence vectors", "yes (--semantic)" if stats.semantic else "no")]:
        table.add_row(label, value)
    stdout_console().print(table)


def article_lines(article: Any, title_spans: Any, body_spans: Any, *, width: int) -> list[str]:
    """The article as print_article shows it, in lines with the terminal's colour codes, for a
    pager."""
    console = Console(file=sys.stdout, highlight=False, width=width, force_terminal=True)
    with console.capture() as captured:
        _print_article(console, article, title_spans, body_spans)
    return captured.get().splitlines()


def terminal_size() -> tuple[int, int]:
    """Columns and lines of the terminal on stdout, as rich sees them."""
    size = Console(file=sys.stdout).size
    return size.width, size.height


def print_article(article: Any, title_spans: Any, body_spans: Any) -> None:
    _print_article(stdout_console(), article, title_spans, body_spans)


def _print_article(console: Console, article: Any, title_spans: Any, body_spans: Any) -> None:
    """On a terminal, lines are broken between words at its width; piped, each paragraph
    stays one line."""
    piped = not console.is_terminal
    console.print(highlighted(article.title or "(no title)", title_spans, "bold cyan"), soft_wrap=piped)
    facts = [article.published.date().isoformat() if article.published else "no date"]
    facts += [x for x in (article.source, article.url or display_path(article.path)) if x]
    console.print(Text(" · ".join(facts), style="dim"), soft_wrap=piped)
    console.print()
    console.print(highlighted(article.body, body_spans), soft_wrap=piped)
