"""The web front end in a real headless Chromium (Debian's ``chromium``, driven by Playwright),
against a real server: what a person does with it, with the keyboard and the mouse.

Skipped when Playwright or chromium is missing, unless NEWSSEARCH_BROWSER_TESTS=required
(set by .ci/run), where that is a failure: in CI these tests must run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .web_support import SCRIPT, base_url, web_index  # noqa: F401

REQUIRED = os.environ.get("NEWSSEARCH_BROWSER_TESTS") == "required"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
        import starlette  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        return "no chromium on PATH (apt-get install -y chromium)"
    return None


REASON = _unavailable()
if REASON and REQUIRED:
    pytest.fail(f"Browser tests are required here (NEWSSEARCH_BROWSER_TESTS=required) but {REASON}.",
                pytrace=False)
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"browser tests skipped: {REASON}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True,
                                  base_url=base_url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    tab.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield tab
    context.close()
    assert errors == []  # no script error, no blocked resource, no alert() from article text


def summary(page: Any) -> str:
    return str(page.locator(".summary p").first.inner_text())


def test_search_with_the_keyboard_alone(page: Any) -> None:
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # the box has the focus
    page.keyboard.type("Ramstein Leopard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?q=Ramstein\+Leopard$"))
    assert summary(page) == "1 result; showing 1–1"
    hit = page.locator("ol.hits > li").first
    assert hit.locator("h2").inner_text() == "Moscou n'exclut pas une alliance anti-US"
    assert "Leopard" in hit.locator(".snippet mark").all_inner_texts()
    assert hit.locator(".meta").inner_text() == "2023-01-23 · 000_dd46387fd205eafe.txt"  # no source: the file


def test_filter_by_source_then_back(page: Any) -> None:
    page.goto("/?q=march%C3%A9")
    assert summary(page) == "23 results; showing 1–10"
    page.select_option("#source", "La Gazette de Lyon")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"source=La\+Gazette\+de\+Lyon"))
    assert "sort=" not in page.url and "since=" not in page.url  # defaults and empty fields left out
    assert summary(page) == "8 results; showing 1–8"
    assert set(page.locator("ol.hits .source").all_inner_texts()) == {"La Gazette de Lyon"}
    page.go_back()
    page.wait_for_url(re.compile(r"/\?q=march%C3%A9$"))
    assert summary(page) == "23 results; showing 1–10"
    page.locator(".facets a", has_text="L'Écho de Paris").click()  # the counts beside the results
    page.wait_for_url(re.compile(r"source=L%27%C3%89cho\+de\+Paris"))
    assert summary(page) == "7 results; showing 1–7"
    assert page.locator("#source").input_value() == "L'Écho de Paris"


def test_dates_sort_and_pages(page: Any) -> None:
    page.goto("/?q=march%C3%A9")
    page.fill("#since", "2022-03-01")
    page.fill("#until", "2022-04-30")
    page.select_option("#sort", "date")
    page.focus("#q")
    page.keyboard.press("Enter")  # Enter in the box keeps the filters beside it
    page.wait_for_url(re.compile(r"since=2022-03-01&until=2022-04-30&sort=date"))
    dates = [d[:10] for d in page.locator("ol.hits time").all_inner_texts()]
    assert dates == sorted(dates, reverse=True) and all("2022-03-01" <= d <= "2022-04-30" for d in dates)
    page.goto("/?q=march%C3%A9")
    page.get_by_role("link", name="Next →").click()
    assert summary(page) == "23 results; showing 11–20"
    page.locator(".timeline svg a").first.click()  # a month of the timeline
    page.wait_for_url(re.compile(r"since=2022-01-01&until=2022-01-31"))
    assert summary(page) == "2 results; showing 1–2"


def test_open_an_article_and_go_back(page: Any) -> None:
    page.goto("/?q=chars+Leopard")
    first = page.locator("ol.hits h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/article\?id="))
    assert page.locator("h1").inner_text() == title
    assert set(page.locator("h1 mark, .body mark").all_inner_texts()) >= {"chars", "Leopard"}
    assert page.locator(".similar li").count() >= 1
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.go_back()
    page.wait_for_url(re.compile(r"/\?q=chars\+Leopard$"))
    assert page.locator("#q").input_value() == "chars Leopard" and page.locator("ol.hits h2").first.inner_text() == title


def test_article_with_slashes_in_its_id_and_more_like_this(page: Any) -> None:
    page.goto("/?q=Kiev")
    page.locator("ol.hits h2 a", has_text="Les chars Leopard attendus à Kiev").click()
    assert "id=le-monde%2F2023%2F01%2Fchars-leopard" in page.url
    assert "le-monde/2023/01/chars-leopard" in page.locator(".id").inner_text()
    page.locator(".similar a").first.click()
    page.wait_for_url(re.compile(r"/article\?id="))
    assert page.locator("h1").inner_text() != "Les chars Leopard attendus à Kiev"


def test_versions_expand(page: Any) -> None:
    page.goto("/?q=r%C3%A9acteurs+S%C3%A9nat")
    versions = page.locator("details.versions").first
    assert versions.locator("summary").inner_text() == "3 versions"
    assert not versions.get_by_text("First: AFP").is_visible()
    versions.locator("summary").focus()
    page.keyboard.press("Enter")  # a <details> opens from the keyboard too
    assert versions.get_by_text("First: AFP, 2023-01-20.").is_visible()
    versions.get_by_role("link", name="Show every version").click()
    page.wait_for_url(re.compile(r"all_versions=1"))
    assert summary(page) == "3 results; showing 1–3"


def test_did_you_mean(page: Any) -> None:
    page.goto("/?q=Leopord")
    page.get_by_role("link", name="Leopard").click()
    page.wait_for_url(re.compile(r"/\?q=Leopard$"))
    assert page.locator("ol.hits > li").count() >= 3


@pytest.mark.parametrize("fmt, name", [("csv", "CSV"), ("jsonl", "JSON Lines")])
def test_export_the_search(page: Any, fmt: str, name: str) -> None:
    page.goto("/?q=march%C3%A9&source=La+Gazette+de+Lyon")
    with page.expect_download() as download:
        page.locator(".export").get_by_role("link", name=name).click()
    assert download.value.suggested_filename == f"newssearch-march.{fmt}"
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("rank,id,published," if fmt == "csv" else '{"rank": 1, "id": ')
    assert all("La Gazette de Lyon" in line for line in lines[1 if fmt == "csv" else 0:])
    assert len(lines) == (fmt == "csv") + 8


def test_article_markup_shows_as_text(page: Any) -> None:
    page.goto("/?q=balise")
    assert SCRIPT in page.locator("ol.hits h2").first.inner_text()
    page.locator("ol.hits h2 a").first.click()
    assert SCRIPT in page.locator("h1").inner_text()
    assert "<img src=x onerror=alert(2)>" in page.locator(".body").inner_text()
    assert page.locator(".article a.external").count() == 0  # its javascript: url is no link
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0


def test_phone_width(browser: Any, base_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto("/?q=march%C3%A9")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
        assert phone.locator("#filters").get_attribute("open") is None  # folded, results first
        assert phone.locator("ol.hits > li").first.is_visible()
        phone.locator("#filters summary").click()
        assert phone.locator("#source").is_visible()
        phone.goto("/article?id=a1&q=chars")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_readme_first_steps(browser: Any, tmp_path: Path) -> None:
    """The README's one line: index seeds/, serve, search Ramstein Leopard in a browser."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", tmp_path / "seeds")
    indexed = subprocess.run([sys.executable, "-m", "newssearch", "index", "seeds/"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert indexed.returncode == 0, indexed.stderr
    with subprocess.Popen([sys.executable, "-m", "newssearch", "serve", "--port", "0"], cwd=tmp_path,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}) as server:
        try:
            assert server.stderr is not None
            url = server.stderr.readline().split(" at ", 1)[1].split(" ", 1)[0]
            tab = browser.new_page()
            tab.goto(url)
            tab.keyboard.type("Ramstein Leopard")
            tab.keyboard.press("Enter")
            tab.wait_for_url(re.compile(r"q=Ramstein\+Leopard"))
            assert tab.locator("ol.hits h2").first.inner_text() == "Moscou n'exclut pas une alliance anti-US"
            tab.close()
        finally:
            server.terminate()
            server.wait(15)
