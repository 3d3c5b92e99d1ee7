"""The publication and modification dates of a web page (an lxml tree from trafilatura).

Publication date, best first:
1. a machine-readable time: ``article:published_time``, ``itemprop="datePublished"``,
   JSON-LD ``datePublished``;
2. a French date written in a date element that says it is the publication date
   (``<p class="date-publication">Publié le lundi 23 janv. 2023 à 11h36</p>``);
3. the day trafilatura's date finder (htmldate, without its guessing "extensive search")
   reports, with the time of a date written on the page that day when there is one;
4. the first French date written in a date element (``<time>``, ``class="date"``...).
Step 2 comes before 3 because news sites often show today's date in their header, which
htmldate may take for the article's. A machine time without a zone is Europe/Paris time,
as for written French dates (see dates.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .dates import PARIS, parse_date, parse_french_date, parse_local_date

_PUBLISHED = ("//meta[@property='article:published_time' or @name='article:published_time'"
              " or @property='og:published_time']/@content"
              " | //*[@itemprop='datePublished']/@content | //*[@itemprop='datePublished']/@datetime")
_MODIFIED = ("//meta[@property='article:modified_time' or @name='article:modified_time'"
             " or @property='og:updated_time']/@content"
             " | //*[@itemprop='dateModified']/@content | //*[@itemprop='dateModified']/@datetime")
_DATE_ELEMENTS = ("//time | //*[contains(@class, 'date') or contains(@class, 'publi')"
                  " or contains(@itemprop, 'date')]")
_MAX_DATE_ELEMENTS = 30
_MAX_DATE_CHARS = 200


@dataclass(frozen=True)
class _Written:
    when: datetime
    labelled: bool  # the element or its text says it is the publication date


def page_published(tree: Any, found_day: str | None) -> datetime | None:
    """The page's publication date; ``found_day`` is trafilatura's (``YYYY-MM-DD``)."""
    if exact := _meta_date(tree, _PUBLISHED, "datePublished"):
        return exact
    written = _written_dates(tree)
    if labelled := [w.when for w in written if w.labelled]:
        return labelled[0]
    day = parse_date(found_day) if found_day else None
    if day is None:
        return written[0].when if written else None
    same_day = [w.when for w in written if w.when.astimezone(PARIS).date() == day.date()]
    return same_day[0] if same_day else day


def page_modified(tree: Any) -> datetime | None:
    return _meta_date(tree, _MODIFIED, "dateModified")


def _meta_date(tree: Any, xpath: str, json_ld_key: str) -> datetime | None:
    """A machine-readable date from the page's meta tags or its JSON-LD."""
    for value in tree.xpath(xpath):
        if when := parse_local_date(str(value)):
            return when
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        found = _json_ld_value(script, json_ld_key)
        if isinstance(found, str) and (when := parse_local_date(found)):
            return when
    return None


def _json_ld_value(script: str, key: str) -> object:
    """The first ``key`` in a JSON-LD block, breadth first (``@graph`` lists included)."""
    try:
        data = json.loads(script)
    except ValueError:
        return None
    queue = [data]
    while queue:
        item = queue.pop(0)
        if isinstance(item, dict):
            if key in item:
                return item[key]
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return None


def _written_dates(tree: Any) -> list[_Written]:
    found = []
    for element in tree.xpath(_DATE_ELEMENTS)[:_MAX_DATE_ELEMENTS]:
        text = " ".join(element.text_content().split())[:_MAX_DATE_CHARS]
        machine = element.get("datetime") if element.tag == "time" else None
        when = parse_local_date(machine) if machine and ":" in machine else None
        when = when or parse_french_date(text, search=True)
        if when is not None:
            label = f"{element.get('class') or ''} {element.get('itemprop') or ''} {text}".lower()
            found.append(_Written(when, "publi" in label))
    return found
