"""The version, language, quality and edition tags Prime Video adds to titles, in every
locale it ships in, and the width folding done before looking for them. Pure.

Prime Video lists one film several times when it has several versions, and says which in the
title: `Das Boot [dt./OV]`, `Parasite (Subbed)`, `トップガン（字幕版）`, `Coringa (Dublado)`,
`El padrino (Doblada)`, `Le Parrain (VOST)`, `教父（中文字幕）`. The words come from the store
pages and history exports of each locale (the German store's `[dt./OV]`, `[OmU]`; the
Japanese store's `（字幕版）`/`（吹替版）`, in full-width or ASCII brackets, sometimes `【】`;
Brazil's `(Dublado)`/`(Legendado)`; Spain's `(VOSE)`, Latin America's `(Audio Latino)`; …).

A tag is only ever removed inside brackets at either end of the title, after a dash or colon
at the end (a few unmistakable words only), or — Japanese — after a space at the end: never
from the middle of a title, so `Dubbed` the film or `Subtitles` stay what they are.
"""

from __future__ import annotations

import re
import unicodedata

# Subtitled / dubbed / original-version markers, by the locales that use them. Matched
# case-insensitively; spaces match any run of spaces.
LANGUAGE_TAGS = {
    "en": (
        "Subbed", "Dubbed", "Subtitled", "Sub", "Dub", "English Subtitled", "English Subtitles",
        "English Subs", "English Dubbed", "English Dub", "English Audio", "English Version",
        "Original Version", "Original Language Version", "Original Language", "With Subtitles",
        "Dual Audio", "OV",
    ),
    "de": (
        "dt./OV", "OV/OmU", "dt.", "OmU", "OmdU", "OmeU", "Originalversion", "Originalfassung",
        "Original mit Untertiteln", "Original mit deutschen Untertiteln", "mit Untertiteln",
        "Untertitelt", "deutsche Fassung", "dt. Fassung", "Synchronfassung", "Deutsch",
    ),
    "fr": (
        "VF", "VFF", "VFQ", "VO", "VOST", "VOSTFR", "VOSTF", "VO sous-titrée", "Version française",
        "Version originale", "Version originale sous-titrée", "Sous-titré", "Sous-titrée",
        "Doublé", "Version doublée", "Français",
    ),
    "es": (
        "Doblada", "Doblado", "Subtitulada", "Subtitulado", "VOSE", "V.O.S.E.", "VOS", "V.O.S.",
        "V.O.", "Versión Original", "Versión Original Subtitulada", "Versión Doblada",
        "Versión Subtitulada", "Versión Española", "Versión en Español", "Versión en Castellano",
        "Audio Latino", "Latino", "Español Latino", "Doblaje Latino", "Castellano", "Español",
        "Doblaje", "Subtitulado al Español", "Subtítulos en Español", "Sub Español",
    ),
    "pt": (
        "Dublado", "Dublada", "Legendado", "Legendada", "Dobrado", "Dobrada", "Versão Dublada",
        "Versão Legendada", "Versão Dobrada", "Versão Original", "Versão Portuguesa", "VP",
        "Dual Áudio", "Áudio Original", "Legendas em Português", "Leg",
    ),
    "ja": (
        "字幕版", "吹替版", "吹き替え版", "字幕", "吹替", "吹き替え", "日本語字幕版",
        "日本語吹替版", "日本語吹き替え版", "日本語字幕", "日本語吹替", "日本語吹き替え",
        "日本語版", "オリジナル版", "オリジナル言語版", "原語版", "英語版", "字幕スーパー版",
    ),
    "zh": (
        "中文字幕", "中字", "字幕版", "配音版", "國語", "國語版", "国语", "国语版",
        "粵語", "粵語版", "粤语", "粤语版", "普通話", "普通话", "普通話版", "普通话版",
        "原聲版", "原声版", "英語版", "英语版", "繁中字幕", "简中字幕", "繁體中文字幕",
        "简体中文字幕", "中英字幕", "台配", "港配", "國配", "国配",
    ),
}  # fmt: skip

QUALITY_TAGS = (
    "4K UHD", "4K/UHD", "4K Ultra HD", "Ultra HD", "UHD", "4K", "HD", "SD", "HDR", "HDR10",
    "Dolby Vision", "Dolby Atmos", "IMAX", "IMAX Enhanced", "3D", "2D", "Prime Video",
    "4K版", "HD版", "4K UHD版", "高画質版", "高清", "4K超高清",
)  # fmt: skip

# Bonus material bundled with the film.
BONUS_TAGS = (
    "Bonus", "Plus Bonus", "Plus Bonus Content", "With Bonus", "With Bonus Content",
    "Bonus Content", "inkl. Bonusmaterial", "mit Bonusmaterial", "inkl. Bonus", "avec bonus",
    "avec bonus inclus", "con extras", "con contenido extra", "com extras", "com bônus",
    "特典映像付き", "特典付き",
)  # fmt: skip

# Cuts and editions. Alone they only count inside brackets; after a dash or colon the
# English ones need a "Cut/Edition/Version" word (`Rocky - Final Round` is a title).
EDITION_ADJECTIVES = (
    r"Director'?s|Director’s|Directors|Final|Extended|Theatrical|Unrated|Uncut|Special"
    r"|Ultimate|Collector'?s|Anniversary|\d+(?:st|nd|rd|th)\s+Anniversary|Remastered"
    r"|Digitally\s+Remastered|Original|Redux|Rated|IMAX(?:\s+Enhanced)?|Kino|Lang"
)
EDITION = rf"(?:The\s+)?(?:{EDITION_ADJECTIVES})\s*(?:Cut|Edition|Version|Fassung)"
EDITION_WORDS = (
    "Kinofassung", "Langfassung", "Extended", "ungeschnitten", "Director's Cut Fassung",
    "Version longue", "Version intégrale", "Version cinéma", "Version du réalisateur",
    "Édition spéciale", "Director's cut", "Versión extendida", "Versión del director",
    "Montaje del director", "Edición especial", "Edición extendida", "Versión sin censura",
    "Versión remasterizada", "Remasterizada", "Remasterizado", "Versão estendida",
    "Versão do diretor", "Versão do realizador", "Edição especial", "Versão remasterizada",
    "Sem cortes",
    "ディレクターズ・カット版", "ディレクターズカット版", "ディレクターズ・カット",
    "ディレクターズカット", "劇場公開版", "完全版", "特別編", "エクステンデッド版",
    "エクステンデッド・エディション", "デジタルリマスター版", "リマスター版", "4Kリマスター版",
    "無修正版", "導演剪輯版", "导演剪辑版", "加長版", "加长版", "院線版", "院线版",
    "數位修復版", "数码修复版", "未刪減版", "未删减版",
)  # fmt: skip

# After a dash or colon at the end, without brackets: only words no film title ends with.
_BARE_AFTER_DASH = (
    "Dubbed", "Subbed", "Subtitled", "English Subtitled", "Dublado", "Dublada", "Legendado",
    "Legendada", "Dobrado", "Doblada", "Doblado", "Subtitulada", "Subtitulado", "VOSE",
    "VOSTFR", "VOST", "OmU", "Audio Latino", "字幕版", "吹替版", "吹き替え版", "日本語吹替版",
    "日本語字幕版", "中文字幕", "配音版",
)  # fmt: skip
# Japanese and Chinese titles also carry them after a plain space: `トップガン 字幕版`.
_BARE_AFTER_SPACE = (
    "字幕版", "吹替版", "吹き替え版", "日本語字幕版", "日本語吹替版", "日本語吹き替え版",
    "中文字幕", "配音版", "國語版", "国语版", "粵語版", "粤语版",
)  # fmt: skip

OPEN = "[\\[(【〔〖<«]"
CLOSE = "[\\])】〕〗>»]"


def _alternatives(words) -> str:
    unique = sorted(set(words), key=len, reverse=True)  # longest first: "VOSTFR" before "VO"
    return "|".join(re.escape(word).replace(r"\ ", r"\s*") for word in unique)


_ALL_LANGUAGE = [word for words in LANGUAGE_TAGS.values() for word in words]
_ONE_TAG = (
    rf"(?:{EDITION}|{EDITION_ADJECTIVES}"
    rf"|{_alternatives([*_ALL_LANGUAGE, *QUALITY_TAGS, *BONUS_TAGS, *EDITION_WORDS])})"
)
# Several tags in one pair of brackets: `[dt./OV]`, `(4K UHD/Dubbed)`, `（字幕版・4K）`.
_TAGS = rf"{_ONE_TAG}(?:\s*[/+,&|・;]\s*{_ONE_TAG}|\s+{_ONE_TAG})*"
_LETTER_AFTER = r"(?![^\W\d_])"  # "(Subbed)" yes, "(Subbedness)" no — even in CJK

TRAILING_BRACKET_RE = re.compile(
    rf"\s*{OPEN}\s*(?:{_TAGS}){_LETTER_AFTER}\s*\.?\s*{CLOSE}\s*$", re.IGNORECASE
)
LEADING_BRACKET_RE = re.compile(rf"^\s*{OPEN}\s*(?:{_TAGS})\s*{CLOSE}\s*", re.IGNORECASE)
TRAILING_DASH_RE = re.compile(
    rf"(?:\s+[-–—]|\s*[:：|])\s*(?:{EDITION}|Unrated|Uncut|Kinofassung|Langfassung"
    rf"|Version\s+longue|{_alternatives(_BARE_AFTER_DASH)})\s*$",
    re.IGNORECASE,
)
TRAILING_BARE_RE = re.compile(rf"[\s・]+(?:{_alternatives(_BARE_AFTER_SPACE)})\s*$")


def strip_tags(text: str) -> str:
    """`text` without one layer of tags at its ends (call until nothing changes)."""
    text = TRAILING_BRACKET_RE.sub("", text)
    text = TRAILING_DASH_RE.sub("", text)
    text = TRAILING_BARE_RE.sub("", text)
    stripped = LEADING_BRACKET_RE.sub("", text)
    return stripped if stripped.strip() else text


# Superscripts, subscripts and vulgar fractions keep their form ("Alien³" is how TMDB writes
# that title); every other compatibility character is folded.
_KEEP_AS_WRITTEN = re.compile("[\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u215f]")


def fold_width(text: str) -> str:
    """Full-width letters, digits, brackets and spaces (`Ｔｈｅ　Ｍａｔｒｉｘ（字幕版）`),
    half-width katakana and other compatibility characters in their usual form (NFKC)."""
    if text.isascii():
        return text
    if not _KEEP_AS_WRITTEN.search(text):
        return unicodedata.normalize("NFKC", text)
    kept = _KEEP_AS_WRITTEN.split(text)
    marks = _KEEP_AS_WRITTEN.findall(text)
    folded = [unicodedata.normalize("NFKC", part) for part in kept]
    return "".join(part + mark for part, mark in zip(folded, [*marks, ""], strict=True))
