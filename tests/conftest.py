"""Shared fixtures: inline French articles, an index under tmp_path, a copy of seeds/, a CliRunner."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import NewsIndex

ROOT = Path(__file__).resolve().parent.parent

# A shell without job control (`nohup cmd &`, some CI runners) starts its background jobs with
# SIGINT ignored, which children inherit through exec: the Ctrl-C tests' processes would never
# see the signal they are sent. A handler is reset to the default at exec, so they do.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
SEED = ROOT / "seeds" / "000_dd46387fd205eafe.txt"

SEED_FORMAT = """{title}
(last modified {modified} )
{published}
  •  {title}

{body}
"""

ARTICLES = [
    {"id": "a1", "title": "Les chars Leopard promis à l’Ukraine", "date": "2023-01-25T10:00:00+00:00",
     "source": "Le Courrier du Nord", "url": "https://example.org/a1",
     "body": "Berlin a annoncé l'envoi de chars Leopard 2 à l'Ukraine.\n\n"
             "Les États-Unis livreront aussi des chars Abrams, a confirmé Washington."},
    {"id": "a2", "title": "Sécurité routière : un été meurtrier", "date": "2022-08-30T08:00:00+00:00",
     "source": "La Gazette de Lyon", "url": "https://example.org/a2",
     "body": "Les mesures sécuritaires annoncées aujourd'hui visent les routes départementales.\n\n"
             "Le ministre veut une œuvre collective."},
    {"id": "a3", "title": "Un char allemand exposé au musée", "date": "2021-05-02T12:00:00+00:00",
     "source": "Le Courrier du Nord", "url": "https://example.org/a3",
     "body": "Le musée de Saumur expose un char allemand de 1944. Les visiteurs viennent de toute l'Europe."},
    {"id": "a4", "title": "Une alliance anti-US évoquée par Moscou", "date": "2023-01-23T11:36:00+00:00",
     "source": "L'Écho de Paris", "url": "https://example.org/a4",
     "body": "Dmitri Medvedev évoque une alliance de pays irrités contre les Etats-Unis."},
]


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def index_of(folder: Path, records: list[dict[str, object]]) -> NewsIndex:
    """A new index in ``folder / "ix"`` holding ``records``, read from a JSON Lines file."""
    ix = NewsIndex.open(folder / "ix", create=True)
    ix.add([write_jsonl(folder / "records.jsonl", records)])
    return ix


@pytest.fixture
def articles() -> list[dict[str, object]]:
    return [dict(a) for a in ARTICLES]


@pytest.fixture
def archive(tmp_path: Path, articles: list[dict[str, object]]) -> Path:
    """A folder with the seed article, a JSONL of four articles and a plain text file."""
    folder = tmp_path / "archive"
    (folder / "2023").mkdir(parents=True)
    shutil.copy(SEED, folder / "2023" / SEED.name)
    write_jsonl(folder / "dispatches.jsonl", articles)
    (folder / "note.txt").write_text("Note de lecture\n\nUn texte sans en-tête sur la pêche en Bretagne.\n",
                                     encoding="utf-8")
    return folder


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def tmp_index(tmp_path: Path, archive: Path) -> NewsIndex:
    ix = NewsIndex.open(tmp_path / "index", create=True)
    ix.add([archive])
    yield ix
    ix.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
