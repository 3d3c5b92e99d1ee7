"""The web front end through Starlette's TestClient and a real server: the JSON API gives
the CLI's fields, bad parameters are 400s and unknown ids 404s with one-line messages,
everything shown is escaped, nothing writes, and concurrent requests agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install -e '.[web]'")

from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from newssearch import NewsIndex  # noqa: E402
from newssearch.cli import cli  # noqa: E402
from newssearch.web import create_app  # noqa: E402

from .web_support import SCRIPT, SLASHED_ID, base_url, live_server, web_index  # noqa: E402,F401

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")



@pytest.fixture(scope="module")
def client(web_index: NewsIndex) -> Iterator[TestClient]:
    with TestClient(create_app(web_index, allowed_hosts=["testserver"])) as test_client:
        yield test_client


def cli_lines(index: NewsIndex, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, [*args, "--index", str(index.path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"] and "\n" not in body["error"] and body["error"]
    return str(body["error"])


# --- the same fields as the CLI's --json ---------------------------------------------------

@pytest.mark.parametrize("args", [
    ["Ramstein Leopard"],
    ["char OR alliance OR marché", "--sort", "date", "--limit", "5", "--page", "2"],
    ["marché", "--since", "2022-03-01", "--until", "2022-06-30"],
    ["marché", "--source", "la gazette de lyon"],
    ["réacteurs Sénat", "--all-versions"],
    ["chars Leopard", "--any-word"],
])
def test_search_hits_are_the_cli_json(client: TestClient, web_index: NewsIndex, args: list[str]) -> None:
    names = {"--sort": "sort", "--limit": "limit", "--page": "page", "--since": "since", "--until": "until",
             "--source": "source"}
    params: dict[str, str] = {"q": args[0]}
    rest = args[1:]
    while rest:
        flag = rest.pop(0)
        if flag == "--all-versions":
            params["all_versions"] = "1"
        elif flag == "--any-word":
            params["mode"] = "any"
        else:
            params[names[flag]] = rest.pop(0)
    response = client.get("/api/search", params=params)
    assert response.status_code == 200
    assert response.json()["hits"] == cli_lines(web_index, "query", *args, "--json")


def test_search_reports_total_paging_and_notices(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "marché", "limit": 10, "page": 3}).json()
    assert (data["total"], data["page"], data["limit"], len(data["hits"])) == (23, 3, 10, 3)
    assert [h["rank"] for h in data["hits"]] == [21, 22, 23]
    assert data["partial"] is False and data["suggestion"] is None and data["query"] == "marché"
    partial = client.get("/api/search", params={"q": "Ramstein fromage"}).json()
    assert partial["partial"] is True and partial["total"] > 0
    typo = client.get("/api/search", params={"q": "Leopord"}).json()
    assert typo["suggestion"] == "Leopard" and typo["hits"] == [] and typo["total"] == 0


def test_article_ids_with_slashes_and_the_show_json_fields(client: TestClient, web_index: NewsIndex) -> None:
    response = client.get("/api/article", params={"id": SLASHED_ID})
    assert response.status_code == 200
    assert [response.json()] == cli_lines(web_index, "show", SLASHED_ID, "--json")
    spans = client.get("/api/article", params={"id": SLASHED_ID, "q": "chars Leopard"}).json()
    assert spans["title"][slice(*spans["title_spans"][0])] == "chars"
    assert [spans["body"][a:b] for a, b in spans["body_spans"]] == ["chars", "Leopard"]


def test_similar_stats_and_facets(client: TestClient, web_index: NewsIndex) -> None:
    similar = client.get("/api/similar", params={"id": "a1", "limit": 3}).json()
    assert similar["id"] == "a1" and similar["hits"] == cli_lines(web_index, "similar", "a1", "--limit", "3", "--json")
    assert client.get("/api/stats").json() == cli_lines(web_index, "stats", "--json")[0]
    facets = client.get("/api/facets", params={"q": "marché", "since": "2022-06-01"}).json()
    expected = web_index.facets("marché", since="2022-06-01")
    assert facets["total"] == expected.total == 13
    assert [(s["source"], s["count"]) for s in facets["sources"]] == expected.sources
    assert [(m["month"], m["count"]) for m in facets["months"]] == expected.months


# --- errors: one line, the right status -----------------------------------------------------

@pytest.mark.parametrize("path, params, message", [
    ("/api/search", {}, "Missing parameter q: the query, e.g. q=Ramstein+Leopard."),
    ("/api/search", {"q": "  "}, "Missing parameter q: the query, e.g. q=Ramstein+Leopard."),
    ("/api/search", {"q": "x", "limit": "0"}, "Parameter limit must be between 1 and 10,000, not 0."),
    ("/api/search", {"q": "x", "limit": "ten"}, "Parameter limit must be a whole number, not 'ten'."),
    ("/api/search", {"q": "x", "page": "0"}, "Parameter page must be between 1 and 100,000, not 0."),
    ("/api/search", {"q": "x", "sort": "score"}, "Parameter sort must be one of relevance, date, not 'score'."),
    ("/api/search", {"q": "x", "mode": "some"}, "Parameter mode must be one of auto, all, any, not 'some'."),
    ("/api/search", {"q": "x", "since": "2023-13-01"}, "Parameter since must be a date as YYYY-MM-DD, not '2023-13-01'."),
    ("/api/search", {"q": "x", "since": "2023-02-01", "until": "2023-01-01"},
     "since (2023-02-01) is after until (2023-01-01)."),
    ("/api/search", {"q": "x", "all_versions": "maybe"}, "Parameter all_versions must be 1 or 0, not 'maybe'."),
    ("/api/search", {"q": "x", "sourc": "AFP"},
     "Unknown parameter 'sourc': use q, since, until, source, sort, mode, limit, page, all_versions."),
    ("/api/search", {"q": '"chars Leopard'}, 'Unbalanced quote in query: "chars Leopard'),
    ("/api/search", {"q": "auteur:Dupont"}, None),
    ("/api/facets", {"q": "x", "sort": "date"}, "Unknown parameter 'sort': use q, since, until, source, mode."),
    ("/api/article", {}, "Missing parameter id: an article id, as given by /api/search."),
    ("/api/similar", {"id": "a1", "limit": "-1"}, "Parameter limit must be between 1 and 1,000, not -1."),
    ("/api/stats", {"verbose": "1"}, "Unknown parameter 'verbose': /api/stats takes none."),
])
def test_bad_parameters_are_400_with_one_line(client: TestClient, path: str, params: dict[str, str],
                                              message: str | None) -> None:
    text = error_of(client.get(path, params=params), 400)
    if message is not None:
        assert text == message


def test_repeated_parameter_is_400(client: TestClient) -> None:
    assert error_of(client.get("/api/search?q=a&q=b"), 400) == "Parameter q is given more than once."


@pytest.mark.parametrize("path", ["/api/article", "/api/similar"])
def test_unknown_id_is_404(client: TestClient, path: str) -> None:
    assert error_of(client.get(path, params={"id": "le-monde/2099/nope"}), 404) == \
        "No article with id 'le-monde/2099/nope' in the index."


def test_unknown_route_and_method(client: TestClient) -> None:
    assert error_of(client.get("/api/nothing"), 404) == "Nothing at /api/nothing."
    assert error_of(client.post("/api/search?q=x"), 405) == "POST is not allowed here: use GET."
    page = client.get("/nothing")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "Nothing at /nothing." in page.text


# --- pages: escaped, linked, read-only -------------------------------------------------------

def test_untrusted_article_text_is_shown_as_text(client: TestClient) -> None:
    pages = [client.get("/", params={"q": "balise"}), client.get("/article", params={"id": "xss", "q": "balise"})]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page.text
        assert "javascript:" not in page.text  # the article's url is not a link
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[1].text


def test_query_text_is_escaped_everywhere(client: TestClient) -> None:
    q = '"><svg onload=alert(1)>'
    for page in (client.get("/", params={"q": q}), client.get("/", params={"q": q, "since": "bad"})):
        assert "<svg onload" not in page.text and "&lt;svg onload=alert(1)&gt;" in page.text


def test_pages_send_a_strict_content_security_policy(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"


def test_search_page_shows_hits_filters_counts_and_pages(client: TestClient) -> None:
    page = client.get("/", params={"q": "marché", "page": 2}).text
    assert "23 results; showing 11–20" in page and 'start="11"' in page
    assert 'rel="prev" href="/?q=march%C3%A9"' in page and 'rel="next" href="/?q=march%C3%A9&amp;page=3"' in page
    assert "<option value=\"La Gazette de Lyon\">La Gazette de Lyon (8)</option>" in page
    assert '<rect x="0.0"' in page and "2022-01: 2" in page  # the timeline, one bar a month
    assert 'href="/export?q=march%C3%A9&amp;format=csv"' in page
    assert "<mark>marché</mark>" in page
    versions = client.get("/", params={"q": "réacteurs Sénat"}).text
    assert "<summary>3 versions</summary>" in versions and "First: AFP, 2023-01-20." in versions


def test_search_page_notices(client: TestClient) -> None:
    assert "Did you mean <a href=\"/?q=Leopard\" lang=\"fr\">Leopard</a>?" in client.get("/?q=Leopord").text
    assert "No article contains all the words" in client.get("/?q=Ramstein+fromage").text
    bad = client.get("/", params={"q": '"chars'})
    assert bad.status_code == 400 and "Unbalanced quote in query" in bad.text
    bad_date = client.get("/", params={"q": "chars", "until": "demain"})
    assert bad_date.status_code == 400 and "Parameter until must be a date as YYYY-MM-DD" in bad_date.text


def test_article_page(client: TestClient) -> None:
    page = client.get("/article", params={"id": "nord", "q": "réacteurs", "source": "La Voix du Nord"})
    assert page.status_code == 200
    assert "<mark>réacteurs</mark>" in page.text and "More like this" in page.text
    assert "3 versions of this wire story" in page.text
    assert 'href="/?q=r%C3%A9acteurs&amp;source=La+Voix+du+Nord">← Back to the results' in page.text
    assert '<input type="hidden" name="source" value="La Voix du Nord">' in page.text
    missing = client.get("/article", params={"id": "nope"})
    assert missing.status_code == 404 and "No article with id" in missing.text


def test_wrong_host_is_refused(web_index: NewsIndex) -> None:
    with TestClient(create_app(web_index), base_url="http://127.0.0.1:8080") as local:
        assert local.get("/api/stats").status_code == 200
        assert local.get("/api/stats", headers={"host": "evil.example"}).status_code == 400


def test_nothing_writes_to_the_index(client: TestClient, web_index: NewsIndex) -> None:
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in web_index.path.iterdir()}
    for path in ("/", "/article", "/export", "/api/search", "/api/article", "/api/similar", "/api/facets", "/api/stats"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert client.request(method, path).status_code == 405, (method, path)
    client.get("/", params={"q": "marché"})
    client.get("/export", params={"q": "marché", "format": "csv"})
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in web_index.path.iterdir()} == before


# --- export: the CLI's files -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_is_the_cli_file(client: TestClient, web_index: NewsIndex, tmp_path: Path, fmt: str) -> None:
    response = client.get("/export", params={"q": "marché", "source": "Le Courrier du Nord", "sort": "date",
                                             "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="newssearch-march.{fmt}"'
    out = tmp_path / f"hits.{fmt}"
    CliRunner().invoke(cli, ["query", "marché", "--source", "Le Courrier du Nord", "--sort", "date", "--format", fmt,
                             "-o", str(out), "--index", str(web_index.path)], catch_exceptions=False)
    assert response.text == out.read_text(encoding="utf-8")
    assert len(response.text.split("\n")) == (fmt == "csv") + 8 + 1  # header, hits, end
    web_meta = json.loads(response.headers["x-newssearch-provenance"])
    cli_meta = json.loads(Path(f"{out}.provenance.json").read_text(encoding="utf-8"))
    web_meta.pop("exported"), cli_meta.pop("exported")
    assert web_meta == cli_meta and web_meta["filters"]["source"] == "Le Courrier du Nord"


def test_export_needs_a_format(client: TestClient) -> None:
    response = client.get("/export", params={"q": "marché", "format": "xlsx"})
    assert response.status_code == 400 and "Parameter format must be one of csv, jsonl, not &#39;xlsx&#39;." in response.text


# --- one index, many requests ---------------------------------------------------------------------


@pytest.fixture
def switch_interval(request: pytest.FixtureRequest) -> Iterator[None]:
    previous = sys.getswitchinterval()
    if request.param is not None:
        sys.setswitchinterval(request.param)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.parametrize("switch_interval", [
    None,  # Python's default (5 ms)
    1e-5,
], indirect=True, ids=["default-switching", "switching-every-10us"])
def test_20_concurrent_requests_give_the_sequential_results(base_url: str, switch_interval: None) -> None:
    """One NewsIndex serves every request: 20 at a time must answer as one at a time. The
    second run makes threads switch often, to reach the races that a busy server meets."""
    queries = ["marché", "chars Leopard", "réacteurs Sénat", "char OR alliance OR marché", "Lille légumes"]
    urls = [f"{base_url}/api/search?" + urllib.parse.urlencode({"q": q, "sort": sort, "limit": 20})
            for q in queries for sort in ("relevance", "date")]
    urls += [f"{base_url}/api/facets?q=march%C3%A9", f"{base_url}/api/similar?id=a1"]

    def fetch(url: str) -> Any:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            with exc:  # closed here, not by the garbage collector in a later test
                return {"status": exc.code}

    expected = {url: fetch(url) for url in urls}
    jobs = [urls[i % len(urls)] for i in range(20 * 5)]
    for _ in range(3):
        with ThreadPoolExecutor(20) as pool:
            got = list(pool.map(fetch, jobs))
        assert got == [expected[url] for url in jobs]


def test_library_calls_do_not_block_the_event_loop(web_index: NewsIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = threading.Event()
    original = web_index.query

    def slow_query(*args: Any, **kwargs: Any) -> Any:
        slow.set()
        time.sleep(1.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(web_index, "query", slow_query)
    with live_server(web_index) as url:
        def search() -> None:
            with urllib.request.urlopen(f"{url}/api/search?q=march%C3%A9", timeout=30) as response:
                response.read()

        worker = threading.Thread(target=search)
        worker.start()
        assert slow.wait(10)
        started = time.monotonic()
        with urllib.request.urlopen(f"{url}/api/stats", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 1.0  # answered while the slow search was running
        worker.join()


# --- the serve command ---------------------------------------------------------------------------

def test_serve_runs_until_interrupted(web_index: NewsIndex) -> None:
    command = [sys.executable, "-m", "newssearch", "serve", "--index", str(web_index.path), "--port", "0"]
    # Ctrl-C as in a terminal: a shell that runs a script in the background starts it with
    # SIGINT ignored, and Python then leaves it ignored in the child.
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"},
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) as proc:
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()
            assert line.startswith(f"Serving '{web_index.path}' at http://127.0.0.1:")
            assert line.endswith(" (Ctrl-C to stop)\n")
            url = line.split(" at ", 1)[1].split(" ", 1)[0]
            with urllib.request.urlopen(url + "api/search?q=Ramstein+Leopard", timeout=10) as response:
                assert json.load(response)["hits"][0]["title"] == "Moscou n'exclut pas une alliance anti-US"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(15) == 130
        finally:
            proc.kill()


def test_serve_errors_are_one_line(web_index: NewsIndex, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["serve", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1
    assert missing.stderr == f"Error: No index in '{tmp_path / 'none'}'. Create it with: newssearch index --index " \
                             f"'{tmp_path / 'none'}' FOLDER (the folder of your articles)\n"
    from newssearch.web import server

    taken = server.bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        busy = runner.invoke(cli, ["serve", "--index", str(web_index.path), "--port", str(port)])
        assert busy.exit_code == 1 and busy.stderr == f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use.\n"
    finally:
        taken.close()


def test_serve_without_the_web_extra_says_how_to_install_it(web_index: NewsIndex) -> None:
    code = ("import sys; sys.modules['starlette'] = None; from newssearch.cli import main; "
            f"sys.argv = ['newssearch', 'serve', '--index', {str(web_index.path)!r}, '--port', '0']; main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("Error: newssearch serve needs the web extra: pip install 'newssearch[web]' "
                             "(in a checkout: pip install -e '.[web]').\n")


def test_server_socket_is_tcp_by_name() -> None:
    """asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP; without it each
    response waited 40 ms for a delayed ACK (benchmarks/web.py found it)."""
    import socket

    from newssearch.web import server

    sock = server.bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_serve_help_warns_about_host() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.stdout and "WARNING" in result.stdout
    assert "--port" in result.stdout


def test_http_errors_reach_a_real_server_as_json(base_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{base_url}/api/article?id=nope", timeout=10)
    with caught.value as error:
        assert error.code == 404
        assert json.load(error) == {"error": "No article with id 'nope' in the index."}


def test_readme_curl_examples_run(base_url: str, web_index: NewsIndex, tmp_path: Path) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("no curl on PATH")
    section = README.split("\n## Web\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in re.findall(r"```bash\n(.*?)\n```", section, re.S) for line in block.splitlines()
             if line.startswith("curl ")]
    assert len(lines) == 8
    archive = web_index.path.parent / "archive"
    for line in lines:
        command = line.replace("http://127.0.0.1:8080", base_url).replace("$PWD/seeds/", f"{archive}/")
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=30)
        assert result.returncode == 0, (line, result.stderr)
        if "/export" in line:
            assert (tmp_path / "newssearch-Leopard.csv").read_text(encoding="utf-8").startswith("rank,id,published,")
            continue
        data = json.loads(result.stdout)
        assert "error" not in data, (line, data)
        if "q=Ramstein+Leopard" in line:
            assert data["hits"][0]["title"] == "Moscou n'exclut pas une alliance anti-US"


def test_a_date_sort_on_an_index_without_dates_says_so(tmp_path: Path) -> None:
    from .test_searching import _undated_index

    with _undated_index(tmp_path) as index, TestClient(create_app(index, allowed_hosts=["testserver"])) as local:
        page = local.get("/", params={"q": "grève", "sort": "date"}).text
        # the hits came in the index's order, with no word of why
        assert "cannot be sorted by date: best first." in page
        assert re.findall(r'href="/article\?id=(\w)', page) == ["b", "c", "a"]
        ranged = local.get("/", params={"q": "grève", "since": "2020-01-01"}).text
        assert "none is published in a date range." in ranged
        assert "none is published" not in local.get("/", params={"q": "grève"}).text
        body = local.get("/api/search", params={"q": "grève", "sort": "date"}).json()
        assert (body["sort"], body["undated"], body["hits"][0]["id"]) == ("relevance", True, "b")
