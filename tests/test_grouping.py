"""Wire-story grouping: near-duplicates share a group at index time and show once."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newssearch import NewsIndex
from newssearch.cli import cli
from newssearch.fingerprints import similarity, sketch
from newssearch.grouping import _hash

from .conftest import write_jsonl

DISPATCH = ("Le gouvernement a présenté mercredi en Conseil des ministres un projet de loi sur l'énergie "
            "nucléaire qui prévoit la construction de six nouveaux réacteurs d'ici 2035. Le texte doit être "
            "examiné par le Sénat au printemps, a indiqué la ministre de la Transition énergétique. "
            "Les associations écologistes dénoncent une décision prise sans débat public suffisant. "
            "Le coût total du programme est estimé à plus de cinquante milliards d'euros par EDF.")


def edited(text: str) -> str:
    return text.replace("mercredi", "ce mercredi").replace("six nouveaux", "6 nouveaux").replace(
        "a indiqué", "a précisé")


VERSIONS = [
    {"id": "afp", "title": "Nucléaire : six réacteurs", "body": DISPATCH, "source": "AFP",
     "date": "2023-01-20T08:14:00+00:00"},
    {"id": "nord", "title": "Six nouveaux réacteurs", "body": edited(DISPATCH), "source": "La Voix du Nord",
     "date": "2023-01-20T10:00:00+00:00"},
    {"id": "ouest", "title": "Le nucléaire relancé", "body": "Par Jean Dupont (avec AFP). " + DISPATCH.rsplit(" Le coût", 1)[0],
     "source": "La Gazette de l'Ouest", "date": "2023-01-21T07:00:00+00:00"},
    {"id": "other", "title": "Réacteurs et sénat", "date": "2023-01-22T07:00:00+00:00", "source": "Le Journal",
     "body": "Le Sénat examinera au printemps un texte sur les réacteurs nucléaires, mais les sénateurs "
             "veulent d'abord entendre EDF sur ses comptes et sur le calendrier des chantiers en cours."},
]


def test_sketch_similarity_orders_versions() -> None:
    base = sketch(DISPATCH)
    assert similarity(base, sketch(DISPATCH)) == 1.0
    assert similarity(base, sketch(edited(DISPATCH))) >= 0.5
    assert similarity(base, sketch(VERSIONS[3]["body"])) < 0.2
    assert sketch("") == [] and similarity([], base) == 0.0


@pytest.fixture
def grouped(tmp_path: Path) -> NewsIndex:
    write_jsonl(tmp_path / "wire.jsonl", VERSIONS)
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add([tmp_path / "wire.jsonl"])
    return ix


def test_versions_show_once_with_the_first_one(grouped: NewsIndex) -> None:
    results = grouped.query("réacteurs Sénat")
    ids = {h.id for h in results.hits}
    assert "other" in ids and len(ids & {"afp", "nord", "ouest"}) == 1 and results.total == 2
    story = next(h for h in results.hits if h.id != "other")
    assert story.versions == 3
    assert story.first_version is not None and story.first_version[0] == "AFP"
    assert story.first_version[1] is not None and story.first_version[1].isoformat() == "2023-01-20T08:14:00+00:00"
    every = grouped.query("réacteurs Sénat", all_versions=True)
    assert sorted(h.id for h in every.hits) == ["afp", "nord", "other", "ouest"] and every.total == 4


COLLAPSE_QUERIES = ["réacteurs Sénat", "réacteurs nouveaux", "nucléaire", "Sénat EDF", "printemps", "réacteurs OR comptes"]


@pytest.mark.parametrize("text", COLLAPSE_QUERIES)
@pytest.mark.parametrize("since", [None, "2023-01-20"])
def test_collapse_shows_the_best_version_and_counts_stories(grouped: NewsIndex, text: str, since: str | None) -> None:
    every = grouped.query(text, all_versions=True, since=since, limit=50)
    order = [v["id"] for v in VERSIONS]  # indexing order
    story = sorted((h for h in every.hits if h.id in {"afp", "nord", "ouest"}),
                   key=lambda h: (-h.score, order.index(h.id)))  # the best; on a tie, the first indexed
    expected = [h.id for h in every.hits if h.id not in {"afp", "nord", "ouest"} or h is story[0]]
    results = grouped.query(text, since=since, limit=50)
    assert [h.id for h in results.hits] == expected  # under a date filter too
    assert results.total == len(expected) == every.total - max(0, len(story) - 1)


@pytest.mark.parametrize("since", [None, "2023-01-20"])
def test_versions_collapse_when_sorted_by_date(grouped: NewsIndex, since: str | None) -> None:
    results = grouped.query("réacteurs", sort="date", since=since)
    ids = [h.id for h in results.hits]
    assert ids[0] == "other" and len(ids) == 2 and len(set(ids) & {"afp", "nord", "ouest"}) == 1
    assert results.total == 2


@pytest.mark.parametrize("text", COLLAPSE_QUERIES)
def test_collapse_keeps_the_hits_whooshs_collapse_keeps(grouped: NewsIndex, text: str) -> None:
    from newssearch.engine import collect
    from newssearch.queries import parse_query
    from newssearch.schema import GROUP
    from newssearch.searching import weighting

    with grouped._searchers.borrow() as searcher:
        q = parse_query(searcher.schema, text).query
        whoosh = searcher.search(q, limit=10, collapse=GROUP, optimize=False)
        ours = collect(searcher, q, weighting=searcher.weighting, collapse=GROUP).ranked(10)
    assert ours == [(h.docnum, h.score) for h in whoosh]


def test_groups_survive_incremental_runs(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", VERSIONS[:1])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"])
        write_jsonl(tmp_path / "b.jsonl", VERSIONS[1:2])
        ix.add([tmp_path / "b.jsonl"])
        [hit] = ix.search("réacteurs")
        assert hit.versions == 2
        (tmp_path / "b.jsonl").unlink()
        ix.add([tmp_path], prune=True)
        [hit] = ix.search("réacteurs")
        assert (hit.id, hit.versions) == ("afp", 1)


def test_cli_shows_versions(tmp_path: Path, grouped: NewsIndex) -> None:
    result = CliRunner().invoke(cli, ["query", "nucléaire EDF", "--index", str(grouped.path)], catch_exceptions=False)
    assert "3 versions: first AFP 2023-01-20 08:14 (--all-versions shows them)" in result.stdout
    every = CliRunner().invoke(cli, ["query", "nucléaire EDF", "--all-versions", "--json", "--index", str(grouped.path)])
    versions = {json.loads(line)["id"]: json.loads(line)["versions"] for line in every.stdout.splitlines()}
    assert versions == {"afp": 3, "nord": 3, "other": 1}  # "ouest" dropped the sentence with EDF


@pytest.mark.parametrize("article_id, path", [("/archive/a.txt", "/archive/a.txt"), ("dep-1", "/archive/wire.jsonl")])
def test_forgetting_a_file_drops_its_sketches(tmp_path: Path, article_id: str, path: str) -> None:
    from newssearch.documents import Article
    from newssearch.grouping import Grouper

    grouper = Grouper(tmp_path / "groups.sqlite")
    grouper.assign(Article(id=article_id, title="Dépêche", body=DISPATCH, path=path))
    grouper.assign(Article(id="other", title="Autre", body=VERSIONS[3]["body"], path="/archive/other.txt"))
    grouper.forget(path)
    assert [row[0] for row in grouper.db.execute("SELECT article FROM sketches")] == [_hash("other")]
    kept = len(sketch(VERSIONS[3]["body"]))
    assert grouper.db.execute("SELECT COUNT(*), COUNT(DISTINCT doc) FROM postings").fetchone() == (kept, 1)
    grouper.close()


def test_an_article_indexed_again_keeps_one_sketch(tmp_path: Path) -> None:
    from newssearch.documents import Article
    from newssearch.grouping import Grouper

    grouper = Grouper(tmp_path / "groups.sqlite")
    first = grouper.assign(Article(id="afp", title="Dépêche", body=DISPATCH, path="/wire.jsonl"))
    assert grouper.assign(Article(id="afp", title="Dépêche", body=edited(DISPATCH), path="/wire.jsonl")) == first
    assert grouper.db.execute("SELECT COUNT(*), COUNT(file) FROM sketches").fetchone() == (1, 1)
    assert grouper.db.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == len(sketch(edited(DISPATCH)))
    grouper.close()


@pytest.mark.parametrize("text", ["", "un deux trois", "un deux trois quatre cinq", "Élève à l'école, où ÇA va ?",
                                  DISPATCH, "mot " * 50, "Par Jeanne Roux\nmars 2021\n" + DISPATCH + "\nPartager cet article",
                                  "un deux trois quatre\ncinq six sept huit neuf\ndix onze"])
def test_sketch_hashes_each_shingle_as_its_words_joined_by_a_space(text: str) -> None:
    """Shingles run across lines, but lines of fewer than MIN_LINE_WORDS words (bylines,
    dates, menus) are left out first."""
    import heapq
    import re
    import zlib

    lines = [re.findall(r"[^\W_]+", line) for line in text.lower().split("\n")]
    words = [w for line in lines if len(line) >= 5 for w in line]
    expected = {zlib.crc32(" ".join(words[i:i + 4]).encode("utf-8")) for i in range(max(0, len(words) - 3))}
    assert sketch(text) == heapq.nsmallest(32, expected)


def test_collapse_keys_are_read_once_per_segment_reader(grouped: NewsIndex) -> None:
    from newssearch.engine import segment_column
    from newssearch.schema import GROUP, HASH

    with grouped._searchers.borrow() as searcher:
        [(reader, _)] = searcher.reader().leaf_readers()
        keys = segment_column(reader, GROUP)
        assert keys is segment_column(reader, GROUP)
        assert keys == list(reader.column_reader(GROUP, translate=False))
        assert segment_column(reader, HASH) == [b""] * reader.doc_count_all()  # a field without a column


def test_an_article_alone_in_its_story_needs_no_collapsing(grouped: NewsIndex) -> None:
    from newssearch.engine.collecting import story_numbers
    from newssearch.schema import GROUP

    with grouped._searchers.borrow() as searcher:
        numbers = dict(zip((searcher.stored_fields(d)["id"] for d in range(searcher.doc_count_all())),
                           story_numbers(searcher, GROUP).tolist()))
    assert numbers["other"] == -1
    assert numbers["afp"] == numbers["nord"] == numbers["ouest"] >= 0


@pytest.fixture
def many_versions(tmp_path: Path) -> NewsIndex:
    """Five stories of four versions each, every version newer than the one before it:
    sorted by date, each later version displaces the kept one."""
    stories = [DISPATCH, VERSIONS[3]["body"],
               "La grève des contrôleurs aériens a cloué au sol des centaines d'avions ce week-end dans "
               "les aéroports de Paris, de Lyon et de Marseille, selon la direction générale de l'aviation.",
               "Le musée du Louvre a accueilli un nombre record de visiteurs cette année, porté par le retour "
               "des touristes étrangers et par une grande exposition consacrée aux réacteurs de la peinture.",
               "Les chars Leopard promis par Berlin à l'Ukraine arriveront au printemps, a annoncé le ministre "
               "allemand de la Défense, qui évoque aussi une aide de plusieurs milliards d'euros."]
    records = [{"id": f"s{s}v{v}", "title": f"Dépêche {s}", "body": (f"Mise à jour {v}. " if v else "") + body,
                "date": f"2023-0{1 + v}-1{s}T08:00:00+00:00", "source": "AFP"}
               for v in range(4) for s, body in enumerate(stories)]
    write_jsonl(tmp_path / "wire.jsonl", records)
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add([tmp_path / "wire.jsonl"])
    return ix


@pytest.mark.parametrize("text", ["réacteurs", "Sénat OR aéroports OR Louvre OR Leopard", "milliards"])
@pytest.mark.parametrize("since", [None, "2023-02-01"])
def test_sorted_by_date_counts_and_keeps_the_newest_version_of_each_story(many_versions: NewsIndex, text: str,
                                                                          since: str | None) -> None:
    by_date = many_versions.query(text, sort="date", since=since, limit=50)
    ranked = many_versions.query(text, since=since, limit=50)
    assert by_date.total == ranked.total == len(by_date.hits) == len({h.id[:2] for h in ranked.hits})
    assert all(h.id.endswith("v3") for h in by_date.hits)  # the newest version of each story
    dates = [h.published for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert {h.score for h in by_date.hits} == {0.0}
    every = many_versions.query(text, sort="date", since=since, limit=50, all_versions=True)
    assert every.total == len(every.hits) == 4 * by_date.total - (by_date.total if since else 0)


# ---------------------------------------------------------------- boilerplate and versions
# An archive as it comes from the web: pages whose bodies are mostly page furniture, next to
# a dispatch republished with edits. Every case lists articles in indexing order and the
# stories they form; a story of one article must not share its group with any other.

CRUE = ["La préfecture de la Gironde a déclenché jeudi le plan de lutte contre les inondations après trois jours "
        "de pluies continues sur le bassin de la Garonne. Plusieurs routes départementales ont été coupées entre "
        "Langon et La Réole, et une cinquantaine de maisons ont été évacuées par précaution.",
        "Selon les prévisionnistes, le niveau du fleuve devrait atteindre son maximum dans la nuit de vendredi à "
        "samedi, à une hauteur comparable à celle de la crue de 2021. Les écoles de six communes resteront "
        "fermées vendredi et les transports scolaires sont suspendus.",
        "Le maire de Cadillac a ouvert le gymnase municipal pour accueillir les habitants évacués. « Nous avons "
        "des lits, des repas chauds et des bénévoles toute la nuit », a-t-il précisé devant la presse.",
        "Les pompiers rappellent qu'il ne faut jamais traverser une route inondée, même en voiture, et invitent "
        "les riverains à suivre les consignes diffusées sur les réseaux sociaux de la préfecture."]
FOOTER = ("Vous aimez nos articles ? Abonnez-vous à notre lettre d'information quotidienne pour recevoir chaque "
          "matin l'essentiel de l'actualité régionale, les bons plans du week-end et les résultats sportifs de "
          "votre club. L'inscription est gratuite et vous pouvez vous désabonner à tout moment depuis votre espace "
          "lecteur, où vous retrouverez aussi vos articles favoris et les archives du journal depuis 1995.")
ASIDES = ["Le conseil municipal de Pessac a voté mardi soir la rénovation de la piscine Caneton, fermée depuis deux ans.",
          "Un festival de musique baroque s'installera en juillet dans les chais d'un domaine viticole de Saint-Émilion.",
          "La ligne de bus 16 sera déviée pendant trois semaines à cause de travaux sur le pont de pierre à Bordeaux.",
          "Les apiculteurs du Médoc annoncent une récolte de miel d'acacia en baisse d'un tiers après un printemps froid.",
          "Une boulangerie de Libourne remporte le concours départemental de la meilleure baguette de tradition.",
          "Le club de handball de Mérignac recrute deux joueuses danoises pour la saison prochaine en première division.",
          "La médiathèque d'Arcachon prolonge ses horaires d'ouverture le samedi jusqu'à dix-neuf heures cet été.",
          "Des fouilles archéologiques mettent au jour une villa gallo-romaine sous un futur lotissement de Talence."]
TITLES = ["Pessac : la piscine rénovée", "Du baroque dans les chais", "Bus 16 dévié", "Miel : mauvaise récolte",
          "La meilleure baguette", "Handball : deux recrues", "Médiathèque : horaires d'été", "Une villa gallo-romaine"]


def drawing_page(title: str, tags: str) -> dict[str, str]:
    """A cartoon's page: no text of its own, only the site's furniture around the drawing."""
    furniture = "\n".join(["Partager sur les réseaux", "Étiquettes", tags, "Dans la même rubrique",
                           *[f"Par Louise Marchand\n{month} 2021" for month in ("mars", "février", "janvier")],
                           "Du même dessinateur", *[f"n°{n}\nPar Jean Perrin\navril 2020" for n in (41, 40, 39)],
                           "Voir tous les dessins"])
    return {"id": title, "title": title, "body": furniture}


def quiz_page(title: str, teaser: str) -> dict[str, str]:
    """A quiz: a teaser line, the quiz widget's script and the site's promotion."""
    return {"id": title, "title": title, "body": "\n".join([
        teaser, "window.quizInit = function() { QuizSDK.init({ account: \"5f3a9c\", theme: \"sombre\" }); "
                "QuizSDK.render(); };",
        "En vente partout : le grand livre des quiz de la rédaction et l'almanach de l'année, en librairie et "
        "sur notre boutique en ligne"])}


def chapeau_page(title: str) -> dict[str, str]:
    """Different articles cut after the promotional chapeau they share."""
    return {"id": title, "title": title, "body":
            "DÉFI - Du lundi 3 au vendredi 7 avril, la rubrique Bien-être lance un défi à ses lecteurs : courir "
            "chaque jour un peu plus longtemps, sans se blesser et avec plaisir. Nos journalistes relèvent le défi "
            "avec vous et partagent leurs conseils, leurs échecs et leurs progrès tout au long de la semaine."}


def candidacy(name: str) -> dict[str, str]:
    """A satirical template used again for another person."""
    return {"id": name, "title": f"{name} annonce sa candidature à la mairie de Lyon", "body":
            f"Lyon – Après le retrait surprise du maire sortant, {name} a annoncé ce matin par un communiqué son "
            "intention de se présenter aux élections municipales. « En ces temps troublés, ma candidature "
            "rassurera les Lyonnais et sera porteuse d'espoir », a déclaré le candidat, qui promet des pistes "
            "cyclables sur chaque trottoir. Son principal rival assure ne pas être surpris et dit garder toute son estime à "
            "son ancien allié. « Je dois vous laisser, j'ai une campagne à mener », a conclu le candidat en "
            "commençant à distribuer des tracts devant l'hôtel de ville."}


def crue(version: str) -> tuple[str, str]:
    """A version of the flood dispatch: its title and its body."""
    title, paras = "Gironde : la Garonne en crue, des maisons évacuées", list(CRUE)
    if version == "words":
        paras[0] = paras[0].replace("jeudi", "ce jeudi").replace("une cinquantaine", "près de cinquante")
        paras[2] = paras[2].replace("a-t-il précisé", "a expliqué l'élu")
    elif version == "paragraph":
        del paras[3]
    elif version == "byline":
        paras = ["Par Claire Dumas, avec AFP", "BORDEAUX (AFP) – " + paras[0], *paras[1:]]
    elif version == "headline":
        title = "Inondations : le plan d'urgence déclenché en Gironde"
    elif version == "truncate":
        paras = paras[:3]
    return title, "\n".join(paras)


def flood(version: str, n: int = 0, footer: bool = False) -> dict[str, str]:
    title, body = crue(version)
    return {"id": f"crue-{version}{n or ''}", "title": title, "body": body + ("\n" + FOOTER if footer else "")}


def aside(n: int, title: str | None = None) -> dict[str, str]:
    return {"id": f"aside-{n}", "title": title or TITLES[n], "body": ASIDES[n] + "\n" + FOOTER}


DRAWINGS = [drawing_page("Le retour des beaux jours", "printemps, météo"), drawing_page("Grève à la SNCF", "grève, trains"),
            drawing_page("Les élections approchent", "élections, mairie")]
QUIZZES = [quiz_page("Quiz : êtes-vous un vrai Bordelais ?", "Prouvez-le !"),
           quiz_page("Quiz : quel fromage êtes-vous ?", "Coulant ou affiné ?"),
           quiz_page("Quiz : connaissez-vous votre quartier ?", "Rue par rue.")]
CHAPEAUX = [chapeau_page("Je cours pour la première fois : mes trois erreurs"),
            chapeau_page("Étirements : ce que conseillent les kinés avant une course")]
CANDIDACIES = [candidacy("Martine Garnier"), candidacy("Paul Lefèvre")]
STORIES: dict[str, tuple[list[dict[str, str]], list[set[str]]]] = {
    "cartoon pages": (DRAWINGS, []),
    "quiz pages": (QUIZZES, []),
    "a shared chapeau, different titles": (CHAPEAUX, []),
    "a template used for another person": (CANDIDACIES, []),
    "a footer seen on many pages, same title": (  # the footer outweighs each page's own sentence
        [aside(n) for n in range(6)] + [aside(6, "Brèves de Gironde"), aside(7, "Brèves de Gironde")], []),
    "words changed": ([flood("original"), *DRAWINGS, flood("words")], [{"crue-original", "crue-words"}]),
    "a paragraph dropped": ([flood("original"), *QUIZZES, flood("paragraph")], [{"crue-original", "crue-paragraph"}]),
    "a byline added": ([flood("byline"), *CHAPEAUX, flood("original")], [{"crue-original", "crue-byline"}]),
    "another headline": ([flood("original"), *CANDIDACIES, flood("headline")], [{"crue-original", "crue-headline"}]),
    "truncated, between pages": (
        [aside(n) for n in range(6)] + [flood("original", footer=True), *DRAWINGS, flood("truncate", footer=True)],
        [{"crue-original", "crue-truncate"}]),
    "printed forty times": (
        [*DRAWINGS] + [flood(("words", "byline", "original", "headline")[n % 4], n) for n in range(1, 41)],
        [{f"crue-{('words', 'byline', 'original', 'headline')[n % 4]}{n}" for n in range(1, 41)}]),
}


def assign_all(folder: Path, records: list[dict[str, str]]) -> dict[str, int]:
    from newssearch.documents import Article
    from newssearch.grouping import Grouper

    grouper = Grouper(folder / "groups.sqlite")
    try:
        return {r["id"]: grouper.assign(Article(id=r["id"], title=r["title"], body=r["body"], path="/archive.jsonl"))
                for r in records}
    finally:
        grouper.close()


@pytest.mark.parametrize("case", list(STORIES))
def test_groups_are_versions_of_one_dispatch_and_nothing_else(tmp_path: Path, case: str) -> None:
    records, stories = STORIES[case]
    groups = assign_all(tmp_path, records)
    together = {frozenset(ids) for ids in stories}
    found = {frozenset(i for i in groups if groups[i] == g) for g in set(groups.values())}
    assert {ids for ids in found if len(ids) > 1} == together


def test_cartoon_pages_show_each_in_a_search(tmp_path: Path) -> None:
    """The issue as a user saw it: a near-empty page labelled "N versions" hid the others."""
    write_jsonl(tmp_path / "pages.jsonl", [{**page, "source": "Le Mensuel"} for page in DRAWINGS])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "pages.jsonl"])
        hits = ix.search("dessinateur")
        assert sorted(h.id for h in hits) == sorted(p["id"] for p in DRAWINGS)
        assert {h.versions for h in hits} == {1}


def test_an_article_indexed_again_with_another_text_leaves_its_old_group(tmp_path: Path) -> None:
    """Records without ids are 'path#line': after an edit, another article has the id of the
    one that founded a group; it must not share the group its old version's copy still holds."""
    title, body = crue("original")
    write_jsonl(tmp_path / "a.jsonl", [{"title": title, "body": body}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": "copy", **dict(zip(("title", "body"), crue("words")))}])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
        assert {h.versions for h in ix.search("Garonne")} == {2}
        write_jsonl(tmp_path / "a.jsonl", [{"title": "Miel : mauvaise récolte", "body": ASIDES[3] * 3}])
        ix.add([tmp_path / "a.jsonl"])
        assert [(h.id, h.versions) for h in ix.search("Garonne")] == [("copy", 1)]
        assert [h.versions for h in ix.search("miel")] == [1]
        write_jsonl(tmp_path / "a.jsonl", [{"title": title, "body": body}])  # and back: one story again
        ix.add([tmp_path / "a.jsonl"])
        assert [h.versions for h in ix.search("Garonne")] == [2]


def test_an_article_indexed_again_unchanged_keeps_its_group(tmp_path: Path) -> None:
    records = [flood("original"), flood("words"), flood("paragraph")]
    first = assign_all(tmp_path, records)
    again = assign_all(tmp_path, records[:1])
    assert again["crue-original"] == first["crue-original"] == first["crue-words"] == first["crue-paragraph"]


def test_work_per_article_is_bounded(tmp_path: Path) -> None:
    """However many pages share a footer, an article reads at most POSTINGS postings of a
    shingle and compares at most CANDIDATES articles."""
    from newssearch import grouping
    from newssearch.documents import Article

    grouper = grouping.Grouper(tmp_path / "groups.sqlite")
    compared: list[int] = []
    candidates = grouper._candidates

    def counted(own: Any) -> Any:
        found = candidates(own)
        compared.append(len(found))
        return found

    grouper._candidates = counted  # type: ignore[method-assign]
    for r in map(brief, range(120)):
        grouper.assign(Article(id=r["id"], title=r["title"], body=r["body"], path="/fil.jsonl"))
    most = grouper.db.execute("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM postings GROUP BY key)").fetchone()[0]
    assert most <= grouping.POSTINGS and max(compared) <= grouping.CANDIDATES
    grouper.close()


BULLETIN = ("Ces prévisions sont établies chaque matin par notre service météo à partir des données des stations "
            "du département. Elles peuvent évoluer au cours de la journée : consultez la carte interactive sur notre "
            "site pour suivre les averses heure par heure, les alertes de vigilance et la qualité de l'air dans "
            "votre commune. En cas d'orage, éloignez-vous des arbres isolés, ne vous abritez pas sous un pylône et "
            "reportez vos sorties en mer. Les relevés complets des températures minimales et maximales, ainsi que "
            "les cumuls de pluie de la veille, sont publiés chaque soir dans notre édition numérique.")


def test_a_series_sharing_boilerplate_under_one_title_stops_growing_one_group(tmp_path: Path) -> None:
    """A daily column whose shared block outweighs each day's sentence looks like versions of
    one text until the block is known as furniture: then the group stops taking new days."""
    from newssearch.grouping import FURNITURE_ARTICLES

    words = sorted({w for line in ASIDES for w in line.split()})
    days = [{"id": f"jour-{n}", "title": "Le point météo",  # each day's own words: none of the others'
             "body": " ".join(random.Random(n).sample(words, 20)) + f"\n{BULLETIN}"} for n in range(60)]
    groups = assign_all(tmp_path, days)
    assert max(Counter(groups.values()).values()) <= FURNITURE_ARTICLES + 2  # + near-copies, not counted
    assert all(groups[f"jour-{n}"] != groups[f"jour-{m}"] for n in range(50, 60) for m in range(60) if m != n)


@pytest.mark.parametrize("title, text, names", [
    ("Martine Garnier annonce sa candidature", "Martine Garnier a annoncé ce matin...", ["Garnier"]),
    ("UMP : retour de la guerre Copé-Fillon", "Copé et Fillon s'opposent à l'UMP.", ["Copé", "Fillon"]),  # not UMP: opens the title
    ("Bruno Le Maire candidat", "Le maire de Meaux s'en amuse.", []),  # mentioned without its capital: not him
    ("Inondations : la Garonne en crue", "Le niveau de la Garonne monte.", ["Garonne"]),
    ("La Garonne déborde", "Le fleuve déborde.", []),  # names its text does not mention are not kept
    ("Grève à la SNCF", "La SNCF annonce des trains supprimés ; SNCFR n'est pas concernée.", ["SNCF"]),
])
def test_title_names_are_the_capitalised_words_its_text_mentions(title: str, text: str, names: list[str]) -> None:
    from newssearch.fingerprints import title_names

    assert title_names(title, text) == sorted(names)


@pytest.mark.parametrize("title, text, told", [
    ("Le nucléaire relancé", DISPATCH, True),  # "nucléaire" is in the text: half the title's words
    (*crue("headline"), True),
    ("Étirements : ce que conseillent les kinés avant une course", chapeau_page("x")["body"], False),
    ("Le retour des beaux jours", drawing_page("x", "printemps, météo")["body"], False),
    ("", DISPATCH, False),
])
def test_told_title_says_whether_a_text_speaks_of_its_title(title: str, text: str, told: bool) -> None:
    from newssearch.fingerprints import told_title

    assert told_title(title, text.lower()) is told


def brief(n: int) -> dict[str, str]:
    """A page of its own few words, then the site's footer: the footer becomes furniture."""
    own = f"Brève numéro {n} : {ASIDES[n % 8]} Mise à jour {n * 7} du fil régional, édition {n % 13}."
    return {"id": f"page-{n}", "title": f"Brève {n}", "body": own + "\n" + FOOTER}


def test_shingles_marked_as_furniture_cost_no_query(tmp_path: Path) -> None:
    """Once a shingle is marked as furniture, the grouper knows it from memory, in the run that
    marked it and in the next one (read from the table), and never looks it up again; the
    groups are those it gives when it looks every shingle, and every doc's group, up in the
    table (articles indexed again included)."""
    from newssearch.documents import Article
    from newssearch.grouping import _MARK, _SIGNED, Grouper

    def run(folder: Path, from_memory: bool) -> tuple[dict[str, int], int, set[int]]:
        groups: dict[str, int] = {}
        marked: set[int] = set()
        asked_marked = 0  # marked shingles looked up
        for first, last in ((0, 60), (50, 90)):  # two runs: the second reads the marks from the table
            folder.mkdir(exist_ok=True)
            grouper = Grouper(folder / "groups.sqlite")
            lookup = grouper._postings

            def looked_up(keys: list[int]) -> Any:
                nonlocal asked_marked
                asked_marked += len(marked.intersection(keys))
                return lookup(keys)

            grouper._postings = looked_up  # type: ignore[method-assign]
            if not from_memory:
                grouper.marks.among = lambda values: set()  # type: ignore[method-assign]
                grouper.docs.keep = lambda doc, group, copy: None  # type: ignore[method-assign]
            for r in map(brief, range(first, last)):
                marked = {key + _SIGNED for (key,) in grouper.db.execute(
                    f"SELECT key FROM postings WHERE doc = {_MARK}")}
                groups[r["id"]] = grouper.assign(Article(id=r["id"], title=r["title"], body=r["body"], path="/p.jsonl"))
            grouper.commit()
            grouper.close()
        return groups, asked_marked, marked

    groups, asked, marked = run(tmp_path / "memory", from_memory=True)
    queried_groups, queried, queried_marks = run(tmp_path / "queries", from_memory=False)
    assert marked and queried  # the footer's shingles are marked, and looked up again without memory
    assert asked == 0
    assert groups == queried_groups and marked == queried_marks


@pytest.mark.parametrize("title, text", [
    ("Le nucléaire relancé", "on relance le nucléaire"),  # "relan": a word starting so
    ("La cour tranche", "la course est lancée"),  # "cour": a word that is it, not one starting so
    ("La cour tranche", "à la cour d'appel"),
    ("Vélo : la course", "Les cour-ses de vélo"),  # "cours" + "e"? no: "cour" and "ses" are two words
    ("Vélo en ville", "_vélo en ville"),  # "_" is not a letter: "vélo" opens a word
    ("Vélo en ville", "2vélo en villes"),  # a digit is: "vélo" does not open one, "ville" does
    ("Été 2024 : canicule", "l'été 2024, une canicule"),
    ("Été 2024 : canicule", "préété 20245 canicules"),
    ("", "rien"),
])
def test_told_title_reads_the_words_of_the_text(title: str, text: str) -> None:
    """told_title finds the starts of the title's words in the text as if it had listed every
    word of the text (the definition it has always had)."""
    import re

    from newssearch.fingerprints import TOLD, _TITLE_STOP, _fold, told_title

    low = text.lower()
    starts = {w[:5] for w in re.findall(r"[^\W_]+", low)}
    wanted = {w[:5] for w in re.findall(r"[^\W_]+", title.lower()) if len(w) >= 3 and _fold(w) not in _TITLE_STOP}
    assert told_title(title, low) is (bool(wanted) and len(wanted & starts) >= TOLD * len(wanted))
