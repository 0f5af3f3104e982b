"""Pick the TMDB film an Amazon watch-history title means, with an honest confidence. Pure.

No database, no network: `match_item` gets TMDB search (and optionally details) passed in.
`titles` compares titles and builds the queries; `decide` scores candidates against the
watch dates and settles on a best match, its alternatives, a confidence and a reason.
"""

from imports.matching.decide import (
    ALL_RELEASED_LATER,
    NO_SIMILAR_TITLE,
    ONLY_OTHER_TITLES,
    PLAUSIBLE,
    decide,
    match_item,
    probably_not_a_film,
    score_candidates,
)
from imports.matching.titles import build_queries, title_similarity
from imports.matching.types import ItemToMatch, MatchQuery, MatchResult, ScoredCandidate

__all__ = [
    "ALL_RELEASED_LATER",
    "NO_SIMILAR_TITLE",
    "ONLY_OTHER_TITLES",
    "PLAUSIBLE",
    "ItemToMatch",
    "MatchQuery",
    "MatchResult",
    "ScoredCandidate",
    "build_queries",
    "decide",
    "match_item",
    "probably_not_a_film",
    "score_candidates",
    "title_similarity",
]
