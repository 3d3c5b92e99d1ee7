#!/usr/bin/env python3
"""The README's screenshots of `newssearch serve`: the search page and an article page, at
laptop (1280 px) and phone (390 px) widths, in headless Chromium (Debian's package).

    python docs/screenshots.py [--query "guerre Ukraine"] [--article-query "chars Leopard"]

The index (under benchmarks/work/screens/, reused) holds 5,000 articles from
/work/shared/tools/scale_corpus.py, the sample in seeds/ and tests/fixtures/formats/. The
article shown is the first hit of the second query. Writes docs/web-{search,article}-{laptop,phone}.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "work" / "screens"
GENERATOR = REPO.parent / "shared" / "tools" / "scale_corpus.py"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}


def build_index() -> Path:
    index = WORK / "index"
    if not (index / "newssearch.json").is_file():
        WORK.mkdir(parents=True, exist_ok=True)
        archive = WORK / "archive.jsonl"
        subprocess.run([sys.executable, str(GENERATOR), "--n", "5000", "--jsonl", str(archive)], check=True)
        subprocess.run([str(Path(sys.executable).with_name("newssearch")), "index", "--index", str(index), str(archive),
                        str(REPO / "seeds"), str(REPO / "tests" / "fixtures" / "formats")], check=True)
    return index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--query", default="guerre Ukraine")
    parser.add_argument("--article-query", default="chars Leopard")
    args = parser.parse_args()
    if not GENERATOR.is_file():
        print(f"skipped: archive generator not found at {GENERATOR}")
        return 0
    from playwright.sync_api import sync_playwright

    from newssearch import NewsIndex
    from newssearch.web import server

    with NewsIndex.open(build_index()) as index, sync_playwright() as playwright:
        sock = server.bind("127.0.0.1", 0)
        running = server.make_server(index, sock, log_level="warning")
        thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not running.started:
            time.sleep(0.05)
        url = server.url_of(sock).rstrip("/")
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/?{urlencode({'q': args.query})}")
            page.locator("#q").blur()  # no focus ring in the picture
            page.screenshot(path=REPO / "docs" / f"web-search-{name}.png")
            page.goto(f"{url}/?{urlencode({'q': args.article_query})}")
            page.locator("ol.hits h2 a").first.click()
            page.wait_for_url("**/article?*")
            page.screenshot(path=REPO / "docs" / f"web-article-{name}.png")
            page.close()
        browser.close()
        running.should_exit = True
        thread.join(10)
    for png in sorted((REPO / "docs").glob("web-*.png")):
        print(f"{png.relative_to(REPO)}: {png.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
