"""A fragment of HTML (a feed entry's content or summary) to plain paragraphs, with the
standard library's HTML parser. Whole web pages go through trafilatura instead (pages.py)."""

from __future__ import annotations

from html.parser import HTMLParser

from .decoding import clean_body

_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
})
_HIDDEN = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def fragment_text(fragment: str) -> str:
    """Paragraphs of an HTML fragment, separated by blank lines; entities decoded, scripts
    and styles dropped."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    text = "".join(collector.parts).replace("\n\n", "\x00")
    # a <br> inside a paragraph is a line break, not a new paragraph
    text = " ".join(text.split("\n")).replace("\x00", "\n\n")
    return clean_body(text)
