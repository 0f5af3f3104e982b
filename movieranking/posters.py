"""Posters we draw for films TMDB has no poster for: an SVG with the title and the year.

The drawing depends only on the TMDB id, the title and the year, so its address (which carries
all three, signed) can be cached for good. The colour comes from the id: the hue varies, the
saturation and lightness are fixed so that white text keeps a contrast of at least 4.5:1 over
the whole gradient.
"""

from __future__ import annotations

import colorsys
import math
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils.html import escape

WIDTH, HEIGHT = 200, 300
TEXT_WIDTH = 168  # the title's lines fit inside this
SATURATION = 0.42
LIGHTNESS_TOP, LIGHTNESS_BOTTOM = 0.30, 0.19
MAX_LINES = 4
MAX_TITLE = 120
# Roughly how wide a bold sans-serif character is, in ems: enough to pick a size that fits.
CHAR_EM = 0.6

_signer = signing.Signer(salt="movieranking.posters")


# --- Addresses --------------------------------------------------------------------------------


def _payload(tmdb_id: int, title: str, year: int | str | None) -> str:
    return f"{tmdb_id}\n{title}\n{year or ''}"


def poster_path(tmdb_id: int | None, title: str, year: int | None = None) -> str:
    """The address of the poster we draw for a film (`tmdb_id` 0 or None: not found)."""
    tmdb_id = tmdb_id or 0
    title = (title or "")[:MAX_TITLE]
    query = {"title": title}
    if year:
        query["year"] = year
    query["sig"] = _signer.signature(_payload(tmdb_id, title, year))
    return f"{reverse('poster', args=[tmdb_id])}?{urlencode(query)}"


def verified(tmdb_id: int, title: str, year: str, signature: str) -> bool:
    """Whether these words were signed by us for this film: nobody else can make our site
    draw their text."""
    expected = _signer.signature(_payload(tmdb_id, title, year))
    return signing.constant_time_compare(expected, signature)


# --- Colour -----------------------------------------------------------------------------------


def hue(tmdb_id: int) -> float:
    """Spread neighbouring ids around the colour wheel (the golden angle)."""
    return (tmdb_id * 137.508) % 360


def _rgb(hue_degrees: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue_degrees / 360, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def colours(tmdb_id: int) -> tuple[str, str]:
    """The gradient's two ends; films we could not find (id 0) are a quiet slate."""
    saturation = SATURATION if tmdb_id else 0.08
    top = _rgb(hue(tmdb_id), LIGHTNESS_TOP, saturation)
    bottom = _rgb(hue(tmdb_id), LIGHTNESS_BOTTOM, saturation)
    return "#{:02x}{:02x}{:02x}".format(*top), "#{:02x}{:02x}{:02x}".format(*bottom)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on `colour` ("#rrggbb")."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


# --- Lines ------------------------------------------------------------------------------------


def _wide(text: str) -> bool:
    """CJK and similar scripts: no spaces between words, and each character is wide."""
    return any(ord(character) >= 0x2E80 for character in text)


def _balanced(words: list[str], count: int) -> list[str]:
    """Split `words` into `count` lines whose longest line is as short as possible."""
    joiner = "" if _wide("".join(words)) else " "

    def width(start: int, end: int) -> int:
        return len(joiner.join(words[start:end]))

    best: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def solve(start: int, lines: int) -> tuple[int, list[int]]:
        if lines == 1:
            return width(start, len(words)), [len(words)]
        if (start, lines) not in best:
            options = []
            for end in range(start + 1, len(words) - lines + 2):
                rest, breaks = solve(end, lines - 1)
                options.append((max(width(start, end), rest), [end, *breaks]))
            best[(start, lines)] = min(options)
        return best[(start, lines)]

    _, breaks = solve(0, count)
    lines, start = [], 0
    for end in breaks:
        lines.append(joiner.join(words[start:end]))
        start = end
    return lines


def title_lines(title: str) -> list[str]:
    """The title in balanced lines: 2 to 4 for a title of several words (1 for one short
    word), ellipsised when even 4 lines would be too long to read."""
    title = " ".join((title or "").split())[:MAX_TITLE] or "Untitled"
    if _wide(title) and " " not in title:
        # No spaces to break at: break between characters, about eight to a line.
        words = list(title)
        wanted = min(MAX_LINES, max(1, math.ceil(len(words) / 8)))
    else:
        words = title.split(" ")
        wanted = min(MAX_LINES, len(words), max(2, math.ceil(len(title) / 14)))
    limit = 22 if not _wide(title) else 11
    lines = _balanced(words, wanted) if len(words) > 1 else [title]
    return [line if len(line) <= limit else line[: limit - 1].rstrip() + "…" for line in lines]


# --- Drawing ----------------------------------------------------------------------------------


def poster_svg(tmdb_id: int, title: str, year: int | str | None = None) -> str:
    lines = title_lines(title)
    longest = max(len(line) * (2 if _wide(line) else 1) for line in lines)
    size = max(12, min(32, math.floor(TEXT_WIDTH / (max(longest, 1) * CHAR_EM))))
    leading = round(size * 1.15)
    block = leading * (len(lines) - 1)
    first = round(HEIGHT * 0.42 - block / 2)
    top, bottom = colours(tmdb_id)
    text = "".join(
        f'<text x="100" y="{first + index * leading}">{escape(line)}</text>'
        for index, line in enumerate(lines)
    )
    year_text = f'<text x="100" y="248">{escape(str(year))}</text>' if year else ""
    rule = '<path d="M84 222h32" stroke="#fff" stroke-opacity="0.5" stroke-width="2"/>'
    rule = rule if year else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
        "<defs>"
        f'<linearGradient id="g" x1="0" y1="0" x2="0.35" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient>"
        '<radialGradient id="l" cx="0.2" cy="0.05" r="0.9">'
        '<stop offset="0" stop-color="#fff" stop-opacity="0.10"/>'
        '<stop offset="1" stop-color="#fff" stop-opacity="0"/>'
        "</radialGradient>"
        "</defs>"
        '<rect width="200" height="300" fill="url(#g)"/>'
        '<rect width="200" height="300" fill="url(#l)"/>'
        '<rect x="8" y="8" width="184" height="284" rx="4" fill="none" '
        'stroke="#fff" stroke-opacity="0.18"/>'
        f"{rule}"
        f'<g fill="#fff" font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif" '
        f'text-anchor="middle" font-weight="700" font-size="{size}">{text}</g>'
        f'<g fill="#fff" font-family="system-ui, sans-serif" text-anchor="middle" '
        f'font-size="18">{year_text}</g>'
        "</svg>"
    )
