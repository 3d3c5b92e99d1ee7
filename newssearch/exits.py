"""How the command line ends: the error funnel (httpie's raw_main, as a click Group) that
turns every error into one line on stderr and an exit code, a closed pipe into a quiet exit,
and Ctrl-C into "Interrupted." Used only by cli.py."""

from __future__ import annotations

import os
import re
import sys
from enum import IntEnum
from typing import Any

import click

from .errors import (DocumentError, IndexDamagedError, IndexLockedError, IndexVersionError, NewsSearchError,
                     QueryError, VectorsNeedRebuildError)


class ExitStatus(IntEnum):
    """Exit codes of every command (documented in the README)."""

    OK = 0
    ERROR = 1  # the command failed: no index, locked, unwritable, bad file with --strict...
    USAGE = 2  # bad command line or malformed query
    SKIPPED = 3  # `index` finished, but some files or records were skipped (listed on stderr)
    INTERRUPTED = 130  # Ctrl-C


class NewsSearchGroup(click.Group):
    """The error funnel (httpie's raw_main, as a click Group): every error is one line on
    stderr, with the exit code of ExitStatus; a closed pipe on stdout ends quietly."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `newssearch` alone: its help, as a request
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {one_line(exc)}", err=True)
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):  # Ctrl-C while click read the command line
            click.echo("Interrupted.", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
        sys.exit(status if isinstance(status, int) else ExitStatus.OK)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `newssearch query ... | head`: the reader has what it wanted
            _quiet_stdout()
            ctx.exit(ExitStatus.OK)
        except QueryError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.UsageError(cli_message(exc)) from None
        except NewsSearchError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(cli_message(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitStatus.INTERRUPTED)
        except EOFError as exc:  # click would print only "Aborted!", even with --debug: it is a bug
            raise RuntimeError(f"unexpected end of data: {exc}") from exc


def one_line(exc: click.ClickException) -> str:
    """Click's error message on one line; a command-line mistake names the help to read (the
    usage text click would print before it is left out)."""
    message = " ".join(exc.format_message().split("\n"))
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message = f"{message.rstrip()} See '{ctx.command_path} --help'."
    return message


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush at exit finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's stdout)
        pass


def cli_message(exc: NewsSearchError) -> str:
    """A library error as the command line says it: with the command or flag that helps."""
    message = str(exc)
    if isinstance(exc, QueryError):  # the parameters it names are options here
        for name in exc.parameters:
            message = re.sub(rf"\b{name}\b", f"--{name.replace('_', '-')}", message, count=1)
        return message
    if isinstance(exc, DocumentError):
        return option_names(message)
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


def option_names(reason: str) -> str:
    """A reason the library gives in its parameters' names, in the command line's options."""
    return reason.replace("(max_bytes)", "(--max-size)")
