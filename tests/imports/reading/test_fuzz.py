"""Whatever is uploaded, parse_history returns a ParsedHistory or raises ParseError."""

from datetime import date
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.reading import ParsedHistory, ParseError, parse_history, summarize
from imports.reading.titles import KINDS
from tests.fixtures import PRIME_DIR, zip_of

FIXTURES = sorted(path.name for path in PRIME_DIR.glob("*.csv"))
HEADERS = sorted({(PRIME_DIR / name).read_bytes().split(b"\n")[0] for name in FIXTURES})
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_parses_or_refuses(data: bytes) -> None:
    try:
        parsed = parse_history(data, today=date(2026, 6, 30), max_rows=5_000)
    except ParseError as error:
        assert type(error) is ParseError
        assert str(error)
        return
    assert isinstance(parsed, ParsedHistory)
    assert parsed.rows
    assert all(row.kind in KINDS and row.line >= 1 for row in parsed.rows)
    assert all(problem.line >= 1 and problem.reason for problem in parsed.problems)
    summarize(parsed, tz=ZoneInfo("Europe/Berlin"))


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data):
    assert_parses_or_refuses(data)


@FUZZ
@given(
    st.text(max_size=2000),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"]),
)
def test_arbitrary_text(text, encoding):
    assert_parses_or_refuses(text.encode(encoding, errors="replace"))


# Cells made of the characters that make CSV hard, under every known header.
CELLS = st.text(alphabet=st.sampled_from("a1 ,;\t\"'\n\r#-:/.=<>éß漢\x00\ufeff"), max_size=12)
DATES = st.one_of(
    st.sampled_from(
        ["2024-02-11", "2025-09-28 02:00:24.173", "1736456347817", "01/13/2016 22:00:00",
         "2026-06-14T02:37:00Z", "03/04/2020", "31/02/2020", "2099-01-01", "", "Not available"]
    ),
    st.builds(
        lambda moment, offset: moment.isoformat() + offset,
        st.datetimes(),
        st.sampled_from(["", "Z", "+14:00", "-14:00", "+05:30"]),
    ),
    st.builds(
        lambda moment, pattern: moment.strftime(pattern),
        st.datetimes(),
        st.sampled_from(["%m/%d/%Y %H:%M:%S", "%d.%m.%Y", "%d/%m/%y %I:%M %p", "%Y/%m/%d"]),
    ),
    st.integers(min_value=-(10**14), max_value=10**14).map(str),
)  # fmt: skip


@FUZZ
@given(
    st.sampled_from(HEADERS),
    st.lists(st.lists(st.one_of(DATES, CELLS), max_size=14), max_size=12),
    st.sampled_from([",", ";", "\t", ", "]),
)
def test_known_headers_with_hostile_rows(header, rows, delimiter):
    body = "\n".join(delimiter.join(cells) for cells in rows)
    assert_parses_or_refuses(header + b"\n" + body.encode("utf-8"))


MUTATIONS = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=1),
        st.sampled_from(["replace", "insert", "delete", "truncate"]),
        st.sampled_from(b'\x00\n\r",;\t#\xff\xfePK'),
    ),
    min_size=1,
    max_size=8,
)


def mutate(data: bytes, mutations) -> bytes:
    buffer = bytearray(data)
    for where, operation, byte in mutations:
        position = int(where * len(buffer))
        if operation == "replace" and position < len(buffer):
            buffer[position] = byte
        elif operation == "insert":
            buffer.insert(position, byte)
        elif operation == "delete" and position < len(buffer):
            del buffer[position]
        elif operation == "truncate":
            del buffer[position:]
    return bytes(buffer)


@FUZZ
@given(st.sampled_from(FIXTURES), MUTATIONS, st.booleans())
def test_mutated_fixtures(name, mutations, zipped):
    data = mutate((PRIME_DIR / name).read_bytes(), mutations)
    if zipped:
        data = zip_of({f"Your Prime Video Viewing Activity/{name}": data})
    assert_parses_or_refuses(data)


@FUZZ
@given(st.sampled_from(FIXTURES), MUTATIONS)
def test_mutated_zips(name, mutations):
    data = zip_of({"a/notes.txt": b"hello", f"b/{name}": (PRIME_DIR / name).read_bytes()})
    assert_parses_or_refuses(mutate(data, mutations))
