"""Terminal output with rich: hits with highlighted snippets, the index report, progress.
Used only by cli.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

HIGHLIGHT = "bold black on yellow"


def stdout_console() -> Console:
    return Console(file=sys.stdout, highlight=False)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr when stderr is a terminal; otherwise no callback at all."""
    stderr = sys.stderr
    if not stderr.isatty():
        yield None
        return
    console = Console(file=stderr)
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("files"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def report_line(report: Any) -> str:
    return (f"{plural(report.added, 'file')} added, {report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.removed:,} removed, {len(report.skipped):,} skipped; "
            f"{plural(report.articles, 'article')} written in {report.seconds:.1f} s.")


def display_path(path: str) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return os.path.relpath(path) if Path(path).is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def highlighted(text: str, spans: Any, base: str = "") -> Text:
    out = Text(text, style=base)
    for start, end in spans:
        out.stylize(HIGHLIGHT, start, end)
    return out


def print_results(results: Any, *, page: int, limit: int) -> None:
    console = stdout_console()
    first = (page - 1) * limit + 1
    last = first + len(results.hits) - 1
    console.print(Text(f"{plural(results.total, 'result')}; showing {first}-{last}", style="dim"), soft_wrap=True)
    for hit in results.hits:
        console.print(hit_text(hit), soft_wrap=True)


def hit_text(hit: Any) -> Text:
    title = Text(f"\n{hit.rank:>2}. ", style="bold")
    title.append_text(highlighted(hit.title or "(no title)", hit.title_spans, "bold cyan"))
    facts = [hit.published.date().isoformat() if hit.published else "no date"]
    if hit.source:
        facts.append(hit.source)
    facts.append(hit.url or display_path(hit.path))
    facts.append(f"score {hit.score:.2f}")
    out = Text.assemble(title, "\n    ", Text(" · ".join(facts), style="dim"))
    for snippet in hit.snippets:
        out.append("\n    ")
        out.append_text(highlighted(snippet.text, snippet.spans))
    return out

