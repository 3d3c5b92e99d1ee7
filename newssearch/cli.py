"""The command line: a thin click shell over the API. One funnel turns errors into messages
and exit codes. Heavy modules (Whoosh, rich) are imported inside the commands, so that
``newssearch --help`` starts fast."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

import click

from .config import DEFAULT_INDEX_DIR, DEFAULT_LIMIT, MAX_FILE_BYTES
from .errors import (IndexDamagedError, IndexLockedError, IndexNotFoundError, IndexVersionError, NewsSearchError, QueryError,
                     VectorsNeedRebuildError)

F = TypeVar("F", bound=Callable[..., Any])
SKIPPED_SHOWN = 20  # skipped files or records listed on stderr; --report FILE lists them all


class ExitStatus(IntEnum):
    """Exit codes of every command (documented in the README)."""

    OK = 0
    ERROR = 1  # the command failed: no index, locked, unwritable, bad file with --strict...
    USAGE = 2  # bad command line or malformed query
    SKIPPED = 3  # `index` finished, but some files or records were skipped (listed on stderr)
    INTERRUPTED = 130  # Ctrl-C


class NewsSearchGroup(click.Group):
    """The error funnel (httpie's raw_main, as a click Group)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QueryError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.UsageError(cli_message(exc), ctx) from None
        except NewsSearchError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(cli_message(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)
        except EOFError as exc:  # click would print only "Aborted!", even with --debug: it is a bug
            raise RuntimeError(f"unexpected end of data: {exc}") from exc


def cli_message(exc: NewsSearchError) -> str:
    """A library error as the command line says it: with the command or flag that helps."""
    message = str(exc)
    if isinstance(exc, QueryError):  # the parameters it names are options here
        for name in exc.parameters:
            message = re.sub(rf"\b{name}\b", f"--{name.replace('_', '-')}", message, count=1)
        return message
    if isinstance(exc, IndexLockedError):
        return message.removesuffix(".") + " (--wait SECONDS)."
    if isinstance(exc, IndexDamagedError):
        return f"{message.removesuffix('.')}: newssearch index --rebuild --index '{exc.path}' PATH..."
    if isinstance(exc, IndexVersionError):
        return f"{message} Rebuild it: newssearch index --rebuild --index '{exc.path}' PATH..."
    if isinstance(exc, VectorsNeedRebuildError):
        return (f"The index in '{exc.path}' was built without sentence vectors; to add them, rebuild it: "
                f"newssearch index --rebuild --semantic --index '{exc.path}' PATH...")
    return message


def index_option(func: F) -> F:
    """``--index PATH``, else $NEWSSEARCH_INDEX, else ``index/``."""
    return click.option("--index", "-i", "index_dir", type=click.Path(file_okay=False, path_type=Path),
                        envvar="NEWSSEARCH_INDEX", default=DEFAULT_INDEX_DIR, show_default=True,
                        show_envvar=True,
                        help="Index folder. One from elsewhere is opened safely: a pickle in it that names "
                             "anything but Whoosh's and newssearch's classes is refused.")(func)


@click.group(cls=NewsSearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newssearch")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Full-text search for French news archives."""
    ctx.obj = {"debug": debug}


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--prune", is_flag=True, help="Remove the articles of indexed files that no longer exist.")
@click.option("--strict", is_flag=True, help="Stop at the first unreadable file instead of skipping it.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Wait this long for another indexing run to finish.")
@click.option("--max-size", type=click.IntRange(min=1), default=MAX_FILE_BYTES, show_default=True,
              metavar="BYTES", help="Skip files larger than this (in .jsonl files: records).")
@click.option("--no-grouping", is_flag=True, help="Do not group versions of the same wire story.")
@click.option("--rebuild", is_flag=True, help="Delete the index first and index everything again.")
@click.option("--semantic", is_flag=True,
              help="Give each article a sentence vector, so that questions are also ranked by meaning "
                   "(a new or rebuilt index; needs newssearch[semantic]).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=f"Write every skipped file or record to FILE (stderr shows the first {SKIPPED_SHOWN}).")
def index_command(paths: tuple[Path, ...], index_dir: Path, prune: bool, strict: bool, wait: float,
                  max_size: int, no_grouping: bool, rebuild: bool, semantic: bool, report_file: Path | None) -> None:
    """Index news files and folders (recursively): seed-format .txt, .json, .jsonl.

    Run it again to add new files and re-index changed ones; unchanged files are skipped.
    """
    from . import render
    from .api import NewsIndex

    if report_file is not None:
        _check_output(report_file, index_dir, "'--report'")
    ix = NewsIndex(index_dir)
    with render.progress_bars(("Indexing", "files"), ("Merging segments", "bytes")) as (progress, merging):
        report = ix.add(paths, prune=prune, strict=strict, progress=progress, max_bytes=max_size, wait=wait,
                        group=not no_grouping, rebuild=rebuild, semantic=semantic, merge_progress=merging)
    _print_skipped(report.skipped, report_file)
    click.echo(render.report_line(report))
    if report.skipped:
        sys.exit(ExitStatus.SKIPPED)


def _print_skipped(skipped: list[Any], report_file: Path | None) -> None:
    """The first SKIPPED_SHOWN skipped files or records on stderr, then how many more; every
    one of them in ``report_file``."""
    for item in skipped[:SKIPPED_SHOWN]:
        click.echo(f"skipped: {item}", err=True)
    if report_file is not None:
        try:
            with open(report_file, "w", encoding="utf-8", errors="backslashreplace") as out:
                out.writelines(f"{item}\n" for item in skipped)
        except OSError as exc:
            raise click.ClickException(f"Cannot write '{report_file}': {(exc.strerror or str(exc)).lower()}.") from None
    if len(skipped) > SKIPPED_SHOWN:
        where = f"listed in {report_file}" if report_file else "all of them: --report FILE"
        click.echo(f"skipped: {len(skipped) - SKIPPED_SHOWN:,} more ({where}).", err=True)


@cli.command("query")
@click.argument("words", nargs=-1, required=True)
@index_option
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE (YYYY-MM-DD).")
@click.option("--source", metavar="NAME", help="Only articles from this source (exact name, any case).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=DEFAULT_LIMIT, show_default=True,
              help="Hits per page.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--all-words", "mode", flag_value="all", help="Require every word (no partial fallback).")
@click.option("--any-word", "mode", flag_value="any", help="Any word may match; more matches rank higher.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit, for tools.")
@click.option("--all-versions", is_flag=True, help="Show every version of a wire story, not only the best.")
@click.option("--facets", is_flag=True, help="Also show hit counts by source and a timeline by month.")
@click.option("--format", "export_format", type=click.Choice(["csv", "jsonl"]),
              help="Export every hit (not one page) as plain CSV or JSON Lines; with -o, the query, filters "
                   "and index go beside it in FILE.provenance.json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="With --format: write to this file instead of stdout.")
def query_command(words: tuple[str, ...], index_dir: Path, since: str | None, until: str | None,
                  source: str | None, sort: str, limit: int, page: int, mode: str | None, as_json: bool,
                  all_versions: bool, facets: bool, export_format: str | None, output: Path | None) -> None:
    """Search the index. Words are all required unless no article has them all.

    Syntax: OR, NOT, "exact phrase", prefix*, title:word, source:word,
    date:>2023-01-01.
    """
    text = " ".join(words)
    filters = {"since": since, "until": until, "source": source}
    if output is not None:
        _check_output(output, index_dir)
    with open_index_for_cli(index_dir) as ix:
        if export_format:
            _export(ix, text, export_format, output, sort=sort, mode=mode or "auto", **filters)
            return
        results = ix.query(text, limit=limit, page=page, sort=sort, mode=mode or "auto",
                           all_versions=all_versions, facets=facets, **filters)
        if results.suggestion:
            click.echo(f"Did you mean: {results.suggestion}?", err=True)
        if not results.hits:
            more = f" on page {page}" if page > 1 and results.total else ""
            click.echo(f"No results for {text!r}{more}.", err=True)
            return
    if results.partial:
        click.echo("No article contains all the words; showing articles with some of them.", err=True)
    if as_json:
        from .exporting import hit_record

        for hit in results.hits:
            click.echo(json.dumps(hit_record(hit), ensure_ascii=False))
        return
    from . import render

    render.print_results(results, page=page, limit=limit, by_date=sort == "date")
    if results.facets is not None:
        render.print_facets(results.facets)


def open_index_for_cli(index_dir: Path) -> Any:
    from .api import NewsIndex

    try:
        return NewsIndex.open(index_dir)
    except IndexNotFoundError as exc:
        raise IndexNotFoundError(exc.path, _create_hint(index_dir)) from None


def _check_output(output: Path, index_dir: Path, option: str = "'--output' / '-o'") -> None:
    """Refuse, before anything is written, an output file in a missing folder or inside the
    index folder (writing over one of its files would destroy the index)."""
    if not output.parent.is_dir():
        raise click.BadParameter(f"the folder '{output.parent}' does not exist.", param_hint=option)
    if output.resolve().is_relative_to(index_dir.resolve()):
        raise click.BadParameter(f"'{output}' is inside the index folder '{index_dir}'; write it elsewhere.",
                                 param_hint=option)


def _export(ix: Any, text: str, export_format: str, output: Path | None, **options: Any) -> None:
    from .exporting import provenance_path, write_export, write_provenance

    provenance = ix.provenance(text, **{k: v for k, v in options.items() if k in ("since", "until", "source")},
                               sort=options["sort"], mode=options["mode"])
    hits = ix.export(text, **options)
    if output is None:
        count = write_export(hits, export_format, sys.stdout)
        click.echo(f"Exported {count:,} hits.", err=True)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = write_export(hits, export_format, out)
        write_provenance(provenance, provenance_path(output))
    except OSError as exc:
        raise click.ClickException(f"Cannot write '{output}': {(exc.strerror or str(exc)).lower()}.") from None
    click.echo(f"Exported {count:,} hits to {output} (the query, filters and index: "
               f"{provenance_path(output)}).", err=True)


@cli.command("show")
@click.argument("article_id")
@index_option
@click.option("--query", "-q", "highlight", metavar="QUERY", help="Highlight the words of this query.")
@click.option("--json", "as_json", is_flag=True, help="The article as one JSON object.")
def show_command(article_id: str, index_dir: Path, highlight: str | None, as_json: bool) -> None:
    """Show one article in full (ARTICLE_ID as printed by query --json or the hit line)."""
    with open_index_for_cli(index_dir) as ix:
        article = ix.article(article_id)
        spans = ix.highlight(article, highlight) if highlight else ((), ())
    if as_json:
        from .exporting import article_record

        click.echo(json.dumps(article_record(article), ensure_ascii=False))
        return
    from . import render

    render.print_article(article, *spans)


@cli.command("similar")
@click.argument("article_id")
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=DEFAULT_LIMIT, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit, for tools.")
def similar_command(article_id: str, index_dir: Path, limit: int, as_json: bool) -> None:
    """Articles most like ARTICLE_ID (more like this)."""
    with open_index_for_cli(index_dir) as ix:
        hits = ix.similar(article_id, limit=limit)
    if not hits:
        click.echo(f"No article like {article_id!r}.", err=True)
        return
    if as_json:
        from .exporting import hit_record

        for hit in hits:
            click.echo(json.dumps(hit_record(hit), ensure_ascii=False))
        return
    from . import render
    from .searching import Results

    render.print_results(Results(hits=hits, total=len(hits), query=article_id), page=1, limit=limit)


@cli.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
def stats_command(index_dir: Path, as_json: bool) -> None:
    """What the index holds: articles, sources, date range, size on disk, last update."""
    with open_index_for_cli(index_dir) as ix:
        figures = ix.stats()
    if as_json:
        from .exporting import stats_record

        click.echo(json.dumps(stats_record(figures, str(index_dir)), ensure_ascii=False))
        return
    from . import render

    render.print_stats(figures, index_dir)


@cli.command("optimize")
@index_option
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Wait this long for an indexing run to finish.")
def optimize_command(index_dir: Path, wait: float) -> None:
    """Merge the index's segments into one, for slightly faster searches.

    Indexing keeps the segments few already; searches meanwhile see the index as it was.
    """
    from . import render
    from .api import NewsIndex

    with render.progress_bars(("Merging segments", "bytes")) as (progress,):
        try:
            report = NewsIndex(index_dir).optimize(wait=wait, progress=progress)
        except IndexNotFoundError as exc:
            raise IndexNotFoundError(exc.path, _create_hint(index_dir)) from None
    click.echo(render.merge_line(report))


@cli.command("check")
@index_option
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Wait this long for an indexing run to finish.")
def check_command(index_dir: Path, wait: float) -> None:
    """Verify every file of the index: each segment against its checksums, the manifest and
    the wire-story table. Exit 1 and name each damaged file if any is."""
    from .api import NewsIndex
    from .render import plural

    try:
        report = NewsIndex(index_dir).check(wait=wait)
    except IndexNotFoundError as exc:
        raise IndexNotFoundError(exc.path, _create_hint(index_dir)) from None
    if report.ok:
        click.echo(f"The index in '{index_dir}' is sound: {plural(report.articles, 'article')} in "
                   f"{plural(report.segments, 'segment')}, {plural(report.files, 'file')} in its manifest.")
        return
    if len(report.problems) > 1:
        for problem in report.problems:
            click.echo(f"damaged: {problem}", err=True)
    raise IndexDamagedError(index_dir, report.problems[0].file, report.problems[0].reason)


WEB_MODULES = ("starlette", "uvicorn", "jinja2", "anyio", "markupsafe")


@cli.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. WARNING: any other than 127.0.0.1 (e.g. 0.0.0.0) lets every machine "
                   "that can reach this one read the whole index: there is no login.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port).")
def serve_command(index_dir: Path, host: str, port: int) -> None:
    """Search the index in a web browser, with a JSON API (read-only). Needs the web extra."""
    try:
        from .web import server
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in WEB_MODULES:
            raise
        raise click.ClickException("newssearch serve needs the web extra: pip install 'newssearch[web]' "
                                   "(in a checkout: pip install -e '.[web]').") from None
    with open_index_for_cli(index_dir) as ix:
        try:
            sock = server.bind(host, port)
        except OSError as exc:
            raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
        click.echo(f"Serving '{index_dir}' at {server.url_of(sock)} (Ctrl-C to stop)", err=True)
        server.serve(ix, sock)


def _create_hint(index_dir: Path) -> str:
    if Path(index_dir) == DEFAULT_INDEX_DIR:
        return "Create it with: newssearch index seeds/"
    return f"Create it with: newssearch index --index '{index_dir}' seeds/"


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="newssearch")
