"""Readers: the seed format, plain text, JSON/JSONL, encodings, walking folders."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newssearch.documents import Article, decode_text, iter_files, parse_date, read_file, scan_file
from newssearch.documents.records import stream_jsonl
from newssearch.errors import DocumentError

from .conftest import SEED, write_jsonl


def test_seed_article_header_is_parsed() -> None:
    [article] = read_file(SEED).articles
    assert article.title == "Moscou n'exclut pas une alliance anti-US"
    assert article.published == datetime(2023, 1, 23, 11, 36, tzinfo=timezone.utc)
    assert article.modified == datetime(2023, 1, 23, 11, 36, 9, tzinfo=timezone.utc)
    assert article.id == str(SEED) == article.path
    assert article.body.startswith("En riposte à la tenue de la récente réunion de Ramstein")
    assert article.body.endswith("vive réaction de Moscou.")
    assert "•" not in article.body and "last modified" not in article.body
    assert len(article.paragraphs) == 9
    assert len(article.content_hash) == 16


def test_plain_text_first_line_is_title(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("\n\n  Un titre simple  \nPremière ligne.\nSeconde ligne.\n", encoding="utf-8")
    [article] = read_file(path).articles
    assert article.title == "Un titre simple"
    assert article.body == "Première ligne.\n\nSeconde ligne."
    assert article.published is None and article.modified is None


def test_seed_header_without_body(tmp_path: Path) -> None:
    path = tmp_path / "headline.txt"
    path.write_text("Titre seul\n(last modified Mon, 23 Jan 2023 11:36:09 GMT )\nJan 23, 2023 11:36 UTC\n"
                    "  •  Titre seul\n", encoding="utf-8")
    [article] = read_file(path).articles
    assert (article.title, article.body) == ("Titre seul", "")
    assert article.published == datetime(2023, 1, 23, 11, 36, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "raw, text",
    [
        ("Écho de l’été".encode("utf-8"), "Écho de l’été"),
        (b"\xef\xbb\xbf" + "Écho".encode("utf-8"), "Écho"),
        ("Écho de l’été — œuvre".encode("cp1252"), "Écho de l’été — œuvre"),
        ("Noël à Besançon".encode("latin-1"), "Noël à Besançon"),
        ("E\u0301cho".encode("utf-8"), "Écho"),  # NFD to NFC
        ("20\u00a0000\u202feuros".encode("utf-8"), "20 000 euros"),
        ("1\u2007000 mots\ufeff lus".encode("utf-8"), "1 000 mots lus"),  # figure space, stray BOM
        (b"ligne\r\nsuivante", "ligne\nsuivante"),
        ("Écho".encode("utf-16"), "Écho"),
    ],
)
def test_decoding(raw: bytes, text: str) -> None:
    assert decode_text(raw) == text


def test_binary_is_refused() -> None:
    with pytest.raises(ValueError, match="binary"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_cp1252_file_has_no_mojibake(tmp_path: Path) -> None:
    path = tmp_path / "ancien.txt"
    path.write_bytes("Le président a déclaré\n\nUne décision très attendue à Noël.".encode("cp1252"))
    [article] = read_file(path).articles
    assert article.title == "Le président a déclaré"
    assert "Ã" not in article.body and "décision" in article.body


def test_jsonl_keeps_record_ids_and_fields(tmp_path: Path, articles: list[dict[str, object]]) -> None:
    out = read_file(write_jsonl(tmp_path / "a.jsonl", articles))
    assert [a.id for a in out.articles] == ["a1", "a2", "a3", "a4"]
    first = out.articles[0]
    assert first.source == "Le Courrier du Nord" and first.url == "https://example.org/a1"
    assert first.published == datetime(2023, 1, 25, 10, tzinfo=timezone.utc)
    assert first.paragraphs[1].startswith("Les États-Unis")
    assert out.skipped == []


def test_jsonl_bad_records_are_skipped_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        json.dumps({"title": "Sans identifiant", "body": "Texte."}),
        "{not json",
        json.dumps({"id": "x", "title": ["liste"]}),
        json.dumps({"id": "y"}),
        json.dumps([1, 2]),
        json.dumps({"id": 7, "title": "Numéro", "date": "hier"}),
        json.dumps({"id": 8, "title": "Date courte", "date": "2020-02-03"}),
    ]) + "\n", encoding="utf-8")
    out = read_file(path)
    assert [a.id for a in out.articles] == [f"{path}#1", "8"]
    assert out.articles[1].published == datetime(2020, 2, 3, tzinfo=timezone.utc)
    reasons = {s.line: s.reason for s in out.skipped}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3] == "'title' is list, expected text"
    assert reasons[4] == "record has neither title nor body"
    assert reasons[5] == "record is list, expected an object"
    assert reasons[6].startswith("'date' is not an ISO date")


def test_json_file_of_one_record_or_a_list(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "solo", "title": "Un seul"}), encoding="utf-8")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"title": "A"}, {"title": "B"}]), encoding="utf-8")
    assert [a.id for a in read_file(one).articles] == ["solo"]
    assert [a.id for a in read_file(many).articles] == [f"{many}#1", f"{many}#2"]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x00\x01\x02abc", "binary file (contains NUL bytes)"),
        ("broken.json", b"{", "invalid JSON (Expecting property name enclosed in double quotes)"),
    ],
)
def test_unreadable_files_raise_document_error(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_file(path)
    assert caught.value.reason == reason
    assert caught.value.path == path


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Titre\n" + "mot " * 100, encoding="utf-8")
    with pytest.raises(DocumentError, match="file too large"):
        read_file(path, max_bytes=100)


def test_walk_is_recursive_sorted_and_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "b" / "deep" / "z.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("{}", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"png")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    found = list(iter_files([tmp_path, tmp_path / "missing.txt", tmp_path / "image.png"]))
    assert found == [
        (tmp_path / "a.jsonl", None),
        (tmp_path / "b" / "deep" / "z.txt", None),
        (tmp_path / "b" / "loop", "folder already visited (symbolic link loop)"),
        (tmp_path / "missing.txt", "no such file or folder"),
        (tmp_path / "image.png", "unsupported file type '.png'"),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-01-23", datetime(2023, 1, 23, tzinfo=timezone.utc)),
        ("2023-01-23T11:36:00Z", datetime(2023, 1, 23, 11, 36, tzinfo=timezone.utc)),
        ("2023-01-23T12:36:00+01:00", datetime(2023, 1, 23, 11, 36, tzinfo=timezone.utc)),
        ("23/01/2023", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_jsonl_is_streamed_one_record_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(2000):
            f.write(json.dumps({"id": f"r{i}", "title": f"Dépêche {i}", "body": "Texte. " * 50}) + "\n")
    with path.open("rb") as f:
        stream = stream_jsonl(path, f, max_bytes=1000)
        first = next(stream)
        assert isinstance(first, Article) and first.id == "r0"
        assert f.tell() < path.stat().st_size / 10  # the file is not read ahead
        assert sum(1 for _ in stream) == 1999


def test_scan_hashes_the_file_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "a"}\n' * 200_000)  # 2.4 MB: several chunks
    scan = scan_file(path)
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not scan.blank and scan.head.startswith(b'{"id": "a"}')
