"""What the web tests share: an index of French articles chosen to exercise the pages (wire
versions, an id with slashes, untrusted markup, enough hits to page), built once per test
module, and a real uvicorn server over it on a free loopback port."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newssearch import NewsIndex

from .conftest import ARTICLES, SEED, write_jsonl

DISPATCH = ("Le gouvernement a présenté mercredi en Conseil des ministres un projet de loi sur l'énergie "
            "nucléaire qui prévoit la construction de six nouveaux réacteurs d'ici 2035. Le texte doit être "
            "examiné par le Sénat au printemps, a indiqué la ministre de la Transition énergétique. "
            "Les associations écologistes dénoncent une décision prise sans débat public suffisant. "
            "Le coût total du programme est estimé à plus de cinquante milliards d'euros par EDF.")

SLASHED_ID = "le-monde/2023/01/chars-leopard"
SCRIPT = "<script>alert('xss')</script>"
MARKET_SOURCES = ("La Gazette de Lyon", "Le Courrier du Nord", "L'Écho de Paris")
STALLS = ("légumes", "fromage", "poisson", "pommes", "poireaux", "fleurs", "miel", "pain", "volailles", "olives",
          "épices", "cerises", "huîtres", "noix", "confitures", "salades", "champignons", "saucisses", "herbes",
          "tomates", "carottes", "beurre", "crêpes", "café")


def market_body(i: int) -> str:
    """A distinct text for each market chronicle, so that wire-story grouping keeps them apart."""
    rng = random.Random(i)
    return (f"Chronique {i} du marché de Lille. " +
            " ".join(f"Le stand de {rng.choice(STALLS)} voisine avec celui de {rng.choice(STALLS)}." for _ in range(6)))

WEB_ARTICLES: list[dict[str, object]] = [
    *ARTICLES,
    {"id": "afp", "title": "Nucléaire : six réacteurs", "body": DISPATCH, "source": "AFP",
     "date": "2023-01-20T08:14:00+00:00", "url": "https://example.org/afp"},
    {"id": "nord", "title": "Six nouveaux réacteurs", "source": "La Voix du Nord", "date": "2023-01-20T10:00:00+00:00",
     "body": DISPATCH.replace("mercredi", "ce mercredi").replace("six nouveaux", "6 nouveaux")},
    {"id": "ouest", "title": "Le nucléaire relancé", "source": "La Gazette de l'Ouest", "date": "2023-01-21T07:00:00+00:00",
     "body": "Par Jean Dupont (avec AFP). " + DISPATCH.rsplit(" Le coût", 1)[0]},
    {"id": SLASHED_ID, "title": "Les chars Leopard attendus à Kiev", "date": "2023-02-03T09:00:00+00:00",
     "source": "Le Monde", "url": "https://example.org/le-monde/chars",
     "body": "Les premiers chars Leopard 2 promis par Berlin devraient arriver au printemps, selon Kiev."},
    {"id": "xss", "title": f"Balise {SCRIPT} dans un titre", "date": "2022-11-05T12:00:00+00:00",
     "source": f"Source {SCRIPT}", "url": "javascript:alert('lien')",
     "body": f"Un article piégé : {SCRIPT} et <img src=x onerror=alert(2)> au milieu du texte sur la balise."},
    *[{"id": f"marche-{i:02d}", "title": f"Le marché de Lille, chronique {i}",
       "date": f"2022-{1 + i % 12:02d}-{1 + i:02d}T08:00:00+00:00", "source": MARKET_SOURCES[i % 3],
       "url": f"https://example.org/marche/{i}",
       "body": market_body(i)}
      for i in range(23)],
]


def build_index(folder: Path) -> NewsIndex:
    """The seed article (Ramstein Leopard) and WEB_ARTICLES, indexed under ``folder``."""
    archive = folder / "archive"
    archive.mkdir(parents=True)
    (archive / SEED.name).write_bytes(SEED.read_bytes())
    write_jsonl(archive / "web.jsonl", WEB_ARTICLES)
    index = NewsIndex.open(folder / "index", create=True)
    index.add([archive])
    return index


@pytest.fixture(scope="module")
def web_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsIndex]:
    index = build_index(tmp_path_factory.mktemp("web"))
    yield index
    index.close()


@contextlib.contextmanager
def live_server(index: NewsIndex) -> Iterator[str]:
    """A real uvicorn server (as `newssearch serve` runs it) in a thread; yields its URL."""
    from newssearch.web import server

    sock = server.bind("127.0.0.1", 0)
    uvicorn_server = server.make_server(index, sock, log_level="warning")
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield server.url_of(sock).rstrip("/")
    finally:
        uvicorn_server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def base_url(web_index: NewsIndex) -> Iterator[str]:
    with live_server(web_index) as url:
        yield url
