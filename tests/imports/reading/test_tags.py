"""Prime Video's version tags in every locale: removed before searching, and the versions of
one film folded into one entry with all their watch dates."""

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from imports.reading import parse_history, summarize
from imports.reading.tags import fold_width
from imports.reading.titles import MOVIE, classify, clean_title

TAGGED = Path(__file__).resolve().parents[2] / "fixtures" / "prime" / "tags"


@pytest.mark.parametrize(
    ("title", "search_title"),
    [
        # English store
        ("Parasite (Subbed)", "Parasite"),
        ("Spirited Away (English Dubbed)", "Spirited Away"),
        ("Your Name. [Sub]", "Your Name."),
        ("Oldboy (Original Version)", "Oldboy"),
        ("Dune (4K UHD/Dubbed)", "Dune"),
        ("Dune - Dubbed", "Dune"),
        ("Gladiator (Extended Edition) (Plus Bonus Content)", "Gladiator"),
        # German
        ("Das Boot [dt./OV]", "Das Boot"),
        ("Das Boot [OmU]", "Das Boot"),
        ("Parasite [OV/OmU] [4K UHD]", "Parasite"),
        ("Toni Erdmann (inkl. Bonusmaterial)", "Toni Erdmann"),
        ("Der Pate (Kinofassung)", "Der Pate"),
        # French
        ("Le Parrain (VF)", "Le Parrain"),
        ("Le Parrain (VOSTFR)", "Le Parrain"),
        ("Intouchables [VOST]", "Intouchables"),
        ("Amélie (Version originale sous-titrée)", "Amélie"),
        # Spanish (Spain and Latin America)
        ("El padrino (Doblada)", "El padrino"),
        ("El padrino (VOSE)", "El padrino"),
        ("El laberinto del fauno (V.O.S.E.)", "El laberinto del fauno"),
        ("Parásitos (Versión Original Subtitulada)", "Parásitos"),
        ("El padrino (Audio Latino)", "El padrino"),
        ("Coco - Doblada", "Coco"),
        ("Coco (Subtitulada)", "Coco"),
        # Portuguese (Brazil and Portugal)
        ("Coringa (Dublado)", "Coringa"),
        ("Coringa (Legendado)", "Coringa"),
        ("Parasita [Legendado]", "Parasita"),
        ("O Padrinho (Dobrado)", "O Padrinho"),
        ("Joker (Versão Original)", "Joker"),
        ("Cidade de Deus (Versão Estendida)", "Cidade de Deus"),
        # Japanese: full-width or ASCII brackets, 【】, a bare tag after a space
        ("トップガン（字幕版）", "トップガン"),
        ("トップガン（吹替版）", "トップガン"),
        ("ジュラシック・パーク (吹替版)", "ジュラシック・パーク"),
        ("ジュラシック・パーク【字幕版】", "ジュラシック・パーク"),
        ("【字幕版】ジュラシック・パーク", "ジュラシック・パーク"),
        ("名探偵ピカチュウ（日本語吹き替え版）", "名探偵ピカチュウ"),
        ("君の名は。 吹替版", "君の名は。"),
        ("ブレードランナー（ディレクターズ・カット版）", "ブレードランナー"),
        ("ＴＥＮＥＴ　テネット（字幕版）", "TENET テネット"),
        ("ﾄｯﾌﾟｶﾞﾝ(字幕版)", "トップガン"),
        ("トップガン（ 字幕版 ）", "トップガン"),
        # Chinese (traditional and simplified)
        ("教父（中文字幕）", "教父"),
        ("教父（國語版）", "教父"),
        ("臥虎藏龍（粵語）", "臥虎藏龍"),
        ("霸王别姬（普通话版）", "霸王别姬"),
        ("活着 (中字)", "活着"),
        ("英雄（导演剪辑版）", "英雄"),
    ],
)
def test_version_tags_of_every_locale_are_removed(title, search_title):
    assert clean_title(title).search_title == search_title


@pytest.mark.parametrize(
    "title",
    [
        "[REC]",
        "M",
        "(500) Days of Summer",
        "Dubbed",
        "Subtitles",
        "Rocky - Final Round",
        "Latin Lover",
        "劇場版 鬼滅の刃 無限列車編",
        "Les Misérables",
        "VOS",
    ],
)
def test_title_words_that_look_like_tags_are_kept(title):
    assert clean_title(title).search_title == title


def test_full_width_and_compatibility_characters_are_folded():
    assert fold_width("Ｔｈｅ　Ｍａｔｒｉｘ　（１９９９）") == "The Matrix (1999)"
    assert fold_width("ｼﾝ・ｺﾞｼﾞﾗ") == "シン・ゴジラ"
    assert clean_title("ＡＫＩＲＡ（１９８８）").year_hint == 1988
    # TMDB writes these as they are.
    assert fold_width("Alien³") == "Alien³"


@pytest.mark.parametrize(
    "title",
    [
        "Toni Erdmann (inkl. Bonusmaterial)",
        "Gladiator (Plus Bonus Content)",
        "Amélie (avec bonus)",
        "Dune [With Bonus Content]",
    ],
)
def test_a_film_with_bundled_bonus_material_is_a_film(title):
    assert classify(title) == MOVIE


def _films(name: str) -> dict[str, tuple[date, ...]]:
    parsed = parse_history((TAGGED / name).read_bytes())
    summary = summarize(parsed, tz=ZoneInfo("UTC"))
    return {entry.search_title: entry.watched_on for entry in summary.movies}


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "exporter-v2-en.csv",
            {
                "Parasite": ("2025-03-11", "2025-04-02"),
                "Dune": ("2025-02-14", "2025-03-20"),
                "Blade Runner": ("2025-02-10", "2025-02-27"),
                "Spirited Away": ("2025-02-20",),
            },
        ),
        (
            "exporter-v2-de.csv",
            {
                "Das Boot": ("2025-03-11", "2025-04-02"),
                "Der Pate": ("2025-02-14", "2025-03-20"),
                "Parasite": ("2025-02-10", "2025-02-27"),
                "Toni Erdmann": ("2025-02-20",),
            },
        ),
        (
            "exporter-v2-fr.csv",
            {
                "Le Parrain": ("2025-03-11", "2025-04-02"),
                "Intouchables": ("2025-02-14", "2025-03-20"),
                "Le Fabuleux Destin d'Amélie Poulain": ("2025-02-10", "2025-02-27"),
            },
        ),
        (
            "exporter-v2-es-es.csv",
            {
                "El padrino": ("2025-03-11", "2025-04-02"),
                "Parásitos": ("2025-02-27", "2025-03-20"),
                "El laberinto del fauno": ("2025-02-14",),
            },
        ),
        (
            "exporter-v2-es-419.csv",
            {
                "El padrino": ("2025-03-11", "2025-04-02"),
                "Coco": ("2025-02-27", "2025-03-20"),
                "Roma": ("2025-02-14",),
            },
        ),
        (
            "exporter-v2-pt-br.csv",
            {
                "Coringa": ("2025-03-11", "2025-04-02"),
                "Parasita": ("2025-02-27", "2025-03-20"),
                "Cidade de Deus": ("2025-02-14",),
            },
        ),
        (
            "exporter-v2-pt-pt.csv",
            {
                "O Padrinho": ("2025-03-11", "2025-04-02"),
                "Joker": ("2025-02-27", "2025-03-20"),
            },
        ),
        (
            "exporter-v2-ja.csv",
            {
                "トップガン": ("2025-03-11", "2025-04-02"),
                "ジュラシック・パーク": ("2025-02-27", "2025-03-20"),
                "TENET テネット": ("2025-02-20", "2025-03-05"),
                "君の名は。": ("2025-02-14",),
                "千と千尋の神隠し": ("2025-02-10",),
            },
        ),
        (
            "exporter-v2-zh-tw.csv",
            {"教父": ("2025-03-11", "2025-04-02"), "臥虎藏龍": ("2025-02-27", "2025-03-20")},
        ),
        (
            "exporter-v2-zh-cn.csv",
            {"霸王别姬": ("2025-03-11", "2025-04-02"), "活着": ("2025-02-27", "2025-03-20")},
        ),
        (
            "amazon-viewing-history.csv",
            {"Parasite": ("2026-06-10", "2026-06-14"), "Oppenheimer": ("2026-06-01",)},
        ),
    ],
)
def test_versions_of_one_film_fold_into_one_entry_in_every_locale(name, expected):
    assert _films(name) == {title: tuple(map(d, days)) for title, days in expected.items()}


def test_versions_with_their_own_title_ids_fold_but_same_name_films_stay_apart():
    parsed = parse_history((TAGGED / "exporter-v3.csv").read_bytes())
    movies = summarize(parsed, tz=ZoneInfo("UTC")).movies
    by_title = {}
    for entry in movies:
        by_title.setdefault(entry.search_title, []).append(entry.watched_on)
    # Three versions of one film (three title ids): one entry with three dates.
    assert by_title["Top Gun: Maverick"] == [(d("2025-02-27"), d("2025-03-11"), d("2025-04-02"))]
    # Two films called Dune (two ids, the same title as written): two entries.
    assert sorted(by_title["Dune"]) == [(d("2016-05-14"),), (d("2025-03-20"),)]
