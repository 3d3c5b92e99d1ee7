"""The command line: a thin click shell over the API. One funnel (exits.py) turns errors into
messages and exit codes. Heavy modules (Whoosh, rich) are imported inside the commands, so that
``newssearch --help`` starts fast."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .config import DEFAULT_INDEX_DIR, DEFAULT_LIMIT, MAX_FILE_BYTES
from .errors import IndexDamagedError, IndexNotFoundError
from .exits import ExitStatus, NewsSearchGroup, option_names

__all__ = ["ExitStatus", "cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])
SKIPPED_SHOWN = 20  # skipped files or records listed on stderr; --report FILE lists them all


def examples(*commands: str) -> str:
    """The end of a command's help: a few commands to copy (as sqlite-utils' help ends)."""
    return "\b\nExamples:\n" + "\n".join(f"  {command}" for command in commands)


def index_option(func: F) -> F:
    """``--index PATH``, else $NEWSSEARCH_INDEX, else ``index/``."""
    return click.option("--index", "-i", "index_dir", type=click.Path(file_okay=False, path_type=Path),
                        envvar="NEWSSEARCH_INDEX", default=DEFAULT_INDEX_DIR, show_default=True,
                        show_envvar=True,
                        help="Index folder. One from elsewhere is opened safely: a pickle in it that names "
                             "anything but Whoosh's and newssearch's classes is refused.")(func)


@click.group("newssearch", cls=NewsSearchGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=examples("newssearch index seeds/", 'newssearch query "Ramstein Leopard"',
                             "newssearch show 8f3a09c2d1"))
@click.version_option(package_name="newssearch")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Full-text search for French news archives.
    """
    ctx.obj = {"debug": debug}


@cli.command("index", epilog=examples(
    'newssearch index seeds/',
    'newssearch index --index news-index archive.jsonl.gz feeds/',
    'newssearch index --prune --report skipped.txt archive/'))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--prune", is_flag=True, help="Remove the articles of indexed files that no longer exist.")
@click.option("--strict", is_flag=True, help="Stop at the first unreadable file instead of skipping it.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Wait this long for another indexing run to finish.")
@click.option("--max-size", type=click.IntRange(min=1), default=MAX_FILE_BYTES, show_default=True,
              metavar="BYTES", help="Skip files larger than this; in JSON Lines files (.jsonl, .jsonl.gz), "
                                    "skip records larger than this instead; other gzipped files count their "
                                    "decompressed size.")
@click.option("--no-grouping", is_flag=True, help="Do not group versions of the same wire story.")
@click.option("--rebuild", is_flag=True, help="Delete the index first and index everything again.")
@click.option("--semantic", is_flag=True,
              help="Give each article a sentence vector, so that questions are also ranked by meaning "
                   "(a new or rebuilt index; needs newssearch[semantic]).")
@click.option("--follow-links", is_flag=True,
              help="Follow symbolic links that lead outside the folders given (by default they are skipped).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=f"Write every skipped file or record to FILE (stderr shows the first {SKIPPED_SHOWN}).")
def index_command(paths: tuple[Path, ...], index_dir: Path, prune: bool, strict: bool, wait: float,
                  max_size: int, no_grouping: bool, rebuild: bool, semantic: bool, follow_links: bool,
                  report_file: Path | None) -> None:
    """Index news files and folders (recursively). Formats: seed-format or plain .txt,
    .json and .jsonl records, .html/.htm pages, .rss/.atom/.xml feeds, .warc web
    archives, and any of them gzipped (.jsonl.gz, .warc.gz...).

    Run it again to add new files and re-index changed ones; unchanged files are skipped.
    """
    from . import render
    from .api import NewsIndex

    if report_file is not None:
        _check_output(report_file, index_dir, "'--report'")
    ix = NewsIndex(index_dir)
    with render.progress_bar("Indexing") as (progress, merging):
        report = ix.add(paths, prune=prune, strict=strict, progress=progress, max_bytes=max_size, wait=wait,
                        group=not no_grouping, rebuild=rebuild, semantic=semantic, follow_links=follow_links,
                        merge_progress=merging)
    _print_skipped(report.skipped, report_file)
    click.echo(render.fitted(render.report_line(report)) if stdout_is_terminal() else render.report_line(report))
    if report.skipped:
        sys.exit(ExitStatus.SKIPPED)


def _print_skipped(skipped: list[Any], report_file: Path | None) -> None:
    """The first SKIPPED_SHOWN skipped files or records on stderr, then how many more; every
    one of them in ``report_file``."""
    for item in skipped[:SKIPPED_SHOWN]:
        click.echo(f"skipped: {option_names(str(item))}", err=True)
    if report_file is not None:
        try:
            with open(report_file, "w", encoding="utf-8", errors="backslashreplace") as out:
                out.writelines(f"{option_names(str(item))}\n" for item in skipped)
        except OSError as exc:
            raise click.ClickException(f"Cannot write '{report_file}': {(exc.strerror or str(exc)).lower()}.") from None
    if len(skipped) > SKIPPED_SHOWN:
        where = f"listed in {report_file}" if report_file else "all of them: --report FILE"
        click.echo(f"skipped: {len(skipped) - SKIPPED_SHOWN:,} more ({where}).", err=True)


@cli.command("query", epilog=examples(
    'newssearch query "Ramstein Leopard"',
    'newssearch query \'"chars Leopard" OR Abrams\' --since 2023-01-01 --sort date',
    'newssearch query Leopard --format csv -o hits.csv'))
@click.argument("words", nargs=-1, required=True)
@index_option
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE (YYYY-MM-DD).")
@click.option("--source", metavar="NAME", help="Only articles from this source (exact name, any case).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="Best first, or newest first (articles without a date last).")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=DEFAULT_LIMIT, show_default=True,
              help="Hits per page.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which page of --limit hits to show (2: hits 11-20 with the default limit).")
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
    date:>2023-01-01. A query is at most 2,000 characters. Each hit's second line
    ends with its id, for show and similar.
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
        if results.undated and sort == "date":  # every date missing: best first, or the index's order
            from . import render

            click.echo(f"No article has a date: --sort date cannot order them; "
                       f"{render.ORDERS[results.sort]}.", err=True)
        if results.suggestion:
            click.echo(f"Did you mean: {results.suggestion}?", err=True)
        if not results.hits:
            if results.undated and (since or until or "date:" in text):
                click.echo("No article in the index has a date, so none is published in a date range.", err=True)
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

    render.print_results(results, page=page, limit=limit)
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
    from . import render
    from .exporting import provenance_path, write_export, write_provenance

    provenance = ix.provenance(text, **{k: v for k, v in options.items() if k in ("since", "until", "source")},
                               sort=options["sort"], mode=options["mode"])
    hits = ix.export(text, **options)
    if output is None:
        count = write_export(hits, export_format, sys.stdout)
        click.echo(f"Exported {render.plural(count, 'hit')}.", err=True)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = write_export(hits, export_format, out)
        write_provenance(provenance, provenance_path(output))
    except OSError as exc:
        raise click.ClickException(f"Cannot write '{output}': {(exc.strerror or str(exc)).lower()}.") from None
    click.echo(f"Exported {render.plural(count, 'hit')} to {output} (the query, filters and index: "
               f"{provenance_path(output)}).", err=True)


@cli.command("show", epilog=examples(
    'newssearch show 8f3a09c2d1',
    'newssearch show 8f3a09c2d1 -q "chars Leopard"',
    'newssearch show 8f3a09c2d1 --json | jq .body'))
@click.argument("article_id")
@index_option
@click.option("--query", "-q", "highlight", metavar="QUERY", help="Highlight the words of this query.")
@click.option("--json", "as_json", is_flag=True, help="The article as one JSON object.")
@click.option("--no-pager", is_flag=True, help="Print a long article straight through instead of paging it "
              "(it is paged only on a terminal, through $PAGER or less).")
def show_command(article_id: str, index_dir: Path, highlight: str | None, as_json: bool, no_pager: bool) -> None:
    """Show one article in full. ARTICLE_ID is the id on a hit's second line ("id ...") or
    the "id" of query --json: a record's own id, or a 10-hex-digit key.
    """
    with open_index_for_cli(index_dir) as ix:
        article = ix.article(article_id)
        spans = ix.highlight(article, highlight) if highlight else ((), ())
    if as_json:
        from .exporting import article_record

        click.echo(json.dumps(article_record(article), ensure_ascii=False))
        return
    from . import render

    if not no_pager and stdout_is_terminal():
        width, height = render.terminal_size()
        lines = render.article_lines(article, *spans, width=width)
        if len(lines) >= height:  # longer than the screen: page it, as git does
            os.environ.setdefault("LESS", "FRX")  # as git sets it: colours, and the text left on screen
            click.echo_via_pager("\n".join(lines) + "\n", color=True)
            return
    render.print_article(article, *spans)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@cli.command("similar", epilog=examples('newssearch similar 8f3a09c2d1', 'newssearch similar 8f3a09c2d1 -n 5 --json'))
@click.argument("article_id")
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=DEFAULT_LIMIT, show_default=True,
              help="How many similar articles to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit, for tools.")
def similar_command(article_id: str, index_dir: Path, limit: int, as_json: bool) -> None:
    """Articles most like ARTICLE_ID (more like this): the id on a hit's second line.
    """
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


@cli.command("stats", epilog=examples('newssearch stats', 'newssearch stats --index news-index --json'))
@index_option
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
def stats_command(index_dir: Path, as_json: bool) -> None:
    """What the index holds: articles, sources, date range, size on disk, last update.
    """
    with open_index_for_cli(index_dir) as ix:
        figures = ix.stats()
    if as_json:
        from .exporting import stats_record

        click.echo(json.dumps(stats_record(figures, str(index_dir)), ensure_ascii=False))
        return
    from . import render

    render.print_stats(figures, index_dir)


@cli.command("optimize", epilog=examples('newssearch optimize', 'newssearch optimize --index news-index --wait 60'))
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


@cli.command("check", epilog=examples('newssearch check', 'newssearch check --index news-index --wait 60'))
@index_option
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Wait this long for an indexing run to finish.")
def check_command(index_dir: Path, wait: float) -> None:
    """Verify every file of the index: each segment against its checksums, the manifest and
    the wire-story table. Exit 1 and name each damaged file if any is.
    """
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


@cli.command("serve", epilog=examples('newssearch serve', 'newssearch serve --index news-index --port 8000'))
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. WARNING: any other than 127.0.0.1 (e.g. 0.0.0.0) lets every machine "
                   "that can reach this one read the whole index: there is no login.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port).")
def serve_command(index_dir: Path, host: str, port: int) -> None:
    """Search the index in a web browser, with a JSON API (read-only). Needs the web extra.
    """
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
        return "Create it with: newssearch index FOLDER (the folder of your articles, such as seeds/)"
    return f"Create it with: newssearch index --index '{index_dir}' FOLDER (the folder of your articles)"


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="newssearch")
