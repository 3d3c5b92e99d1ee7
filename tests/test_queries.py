"""Questions versus keywords: detection, words dropped from questions, lenient syntax."""

from __future__ import annotations

import pytest

from newssearch.queries import is_question, parse_query, plain_words
from newssearch.schema import build_schema

SCHEMA = build_schema()


@pytest.mark.parametrize(
    "text, question",
    [
        ("Ramstein Leopard", False),
        ("chars Leopard Ukraine Berlin", False),
        ('"envoi de chars" Ramstein', False),
        ("chars Leopard ?", True),  # a question mark is enough
        ("Quels chars pour l'Ukraine", True),
        ("Combien d'employeurs", True),
        ("Qu’est-ce que le Leopard", True),
        ("Où se sont réunis les ministres", True),
        ("Un évènement a eu lieu à quel moment", True),  # quel is asked anywhere
        ("Ou sera fixé Roubaix", False),  # ou (or), not où
        ("la ville où il est né", False),  # où inside a phrase is a relative
        ("", False),
    ],
)
def test_is_question(text: str, question: bool) -> None:
    assert is_question(text) is question


@pytest.mark.parametrize(
    "text, words",
    [
        ('guerre d"\'indépendance', "guerre d indépendance"),
        ("Quand l(évêque obtient-il l 'immédiateté ?", "Quand l évêque obtient-il l immédiateté"),
        ("The Binding Of Isaac:Rebirth", "The Binding Of Isaac Rebirth"),
        ("chars AND NOT Leopard", "chars and not Leopard"),
        ("title:char -Leopard", "title char Leopard"),
    ],
)
def test_plain_words(text: str, words: str) -> None:
    assert plain_words(text) == words


@pytest.mark.parametrize(
    "text, terms",
    [
        ("En quelle année le char fut-il exposé ?", {"char", "expos"}),  # année names the answer
        ("Quel est le nom du pays de Medvedev ?", {"medvedev"}),
        ("année 1944 char", {"anne", "1944", "char"}),  # keywords keep every word
        ("Quelle année ?", {"anne"}),  # never drop every word
    ],
)
def test_answer_type_words_are_dropped_from_questions_only(text: str, terms: set[str]) -> None:
    assert parse_query(SCHEMA, text).terms == terms
