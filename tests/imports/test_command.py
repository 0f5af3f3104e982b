import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from imports.models import ImportItem, ImportSession, TMDBLookup
from imports.tmdb import TMDBAuthError, TMDBUnavailable
from movieranking.models import Movie
from tests.commands import failing, run
from tests.factories import make_movie, make_ranking
from tests.fakes import FakeTMDB
from tests.fixtures import prime_fixture
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db

ITEM_KEYS = {
    "title": str,
    "watched_on": list,
    "status": str,
    "tmdb_id": (int, type(None)),
    "match_title": (str, type(None)),
    "match_year": (int, type(None)),
    "confidence": float,
    "reason": str,
    "candidates": list,
}
COUNT_KEYS = {
    "rows",
    "movies",
    "episodes",
    "trailers",
    "duplicates",
    "unreadable",
    "already_ranked",
    "set_aside",
}


@pytest.fixture
def fake_tmdb():
    return FakeTMDB()


@pytest.fixture
def history(tmp_path) -> Path:
    path = tmp_path / "history.csv"
    path.write_bytes(HISTORY)
    return path


class TTY(io.StringIO):
    def isatty(self):
        return True


def db_counts():
    return (
        ImportSession.objects.count(),
        ImportItem.objects.count(),
        Movie.objects.count(),
        TMDBLookup.objects.count(),
        get_user_model().objects.count(),
    )


def test_import_prints_a_summary_and_the_review_address(owner, history, fake_tmdb):
    out, err = run(history, "--user", "owner", client=fake_tmdb)
    session = ImportSession.objects.get(owner=owner)
    assert session.status == ImportSession.Status.READY
    assert session.items.exclude(lookup=ImportItem.Lookup.DONE).count() == 0
    assert "Read history.csv (Browser exporter v3" in out
    assert "Movies: 5." in out and "Not found: 1." in out
    assert f"Review: /imports/{session.pk}/review/" in out
    assert fake_tmdb.request_count > 0  # matched here, not through the queue
    assert "Looked up 5 of 5." in err


def test_progress_is_a_bar_on_a_terminal(owner, history, fake_tmdb):
    _, err = run(history, "--user", "owner", stderr=TTY(), client=fake_tmdb)
    assert "\r[" + "#" * 30 + "] 5/5 looked up" in err
    assert "Looked up 5 of 5." not in err


def test_json_is_one_document_describing_every_movie(owner, tmp_path, fake_tmdb):
    path = tmp_path / "exporter.csv"
    path.write_bytes(prime_fixture("exporter-v3.csv"))
    out, err = run(path, "--user", "owner", "--json", client=fake_tmdb)
    document = json.loads(out)  # stdout holds the document and nothing else
    session = ImportSession.objects.get(owner=owner)
    assert set(document) == {"session", "format", "counts", "items"}
    assert document["session"] == str(session.pk)
    assert document["format"] == "exporter-v3"
    assert set(document["counts"]) == COUNT_KEYS
    assert all(isinstance(value, int) for value in document["counts"].values())
    assert document["counts"]["episodes"] == 2 and document["counts"]["trailers"] == 1
    assert document["counts"]["movies"] == len(document["items"]) == 3
    for item in document["items"]:
        assert set(item) == set(ITEM_KEYS)
        for key, kind in ITEM_KEYS.items():
            assert isinstance(item[key], kind), (key, item[key])
        assert item["status"] in {"pending", "already_ranked", "unmatched"}
        assert 0.0 <= item["confidence"] <= 1.0
        assert all(isinstance(tmdb_id, int) for tmdb_id in item["candidates"])
        assert all(len(day) == 10 for day in item["watched_on"])
    titles = [item["title"] for item in document["items"]]
    assert "Anatomie eines Falls" in titles
    assert not any("Season" in t or "Trailer" in t for t in titles)
    anatomy = next(i for i in document["items"] if i["title"] == "Anatomie eines Falls")
    assert anatomy["tmdb_id"] == 915935 and anatomy["match_title"] == "Anatomy of a Fall"
    assert anatomy["match_year"] == 2023 and anatomy["watched_on"] == ["2025-03-01", "2025-10-11"]
    assert anatomy["candidates"][0] == 915935
    assert "Looked up" in err  # progress stays on stderr


def test_json_marks_films_already_ranked(owner, history, fake_tmdb):
    make_ranking(owner, make_movie("Heat", tmdb_id=949))
    document = json.loads(run(history, "--user", "owner", "--json", client=fake_tmdb)[0])
    heat = next(i for i in document["items"] if i["title"] == "Heat")
    assert heat["status"] == "already_ranked" and heat["tmdb_id"] == 949
    assert document["counts"]["already_ranked"] == 1
    nothing = next(i for i in document["items"] if i["title"] == "Qwzxv Nonexistent")
    assert nothing["status"] == "unmatched" and nothing["tmdb_id"] is None


def test_json_never_says_nothing_similar_while_listing_candidates(owner, tmp_path, fake_tmdb):
    path = tmp_path / "history.csv"
    path.write_bytes(
        b"Date Watched,Type,Title,Episode\n"
        b'2025-03-02,Movie,"M",""\n'  # TMDB answers with films that merely contain an M
        b'2025-03-01,Movie,"Qwzxv Nonexistent",""\n'
    )
    document = json.loads(run(path, "--user", "owner", "--json", client=fake_tmdb)[0])
    by_title = {item["title"]: item for item in document["items"]}
    m = by_title["M"]
    assert m["status"] == "unmatched" and m["candidates"]
    assert "no film" not in m["reason"] and "pick one" in m["reason"]
    nothing = by_title["Qwzxv Nonexistent"]
    assert nothing["candidates"] == []
    assert nothing["reason"] == "no film on TMDB with a similar title"


def test_json_reports_failed_look_ups_as_pending_with_the_error(owner, history):
    flaky = FakeTMDB(fail_with=TMDBUnavailable("TMDB timed out"), fail_times=1)
    document = json.loads(
        run(history, "--user", "owner", "--json", "--time-zone", "UTC", client=flaky)[0]
    )
    failed = [i for i in document["items"] if i["reason"] == "TMDB timed out"]
    assert failed and all(i["status"] == "pending" and i["tmdb_id"] is None for i in failed)


def test_time_zone_turns_utc_times_into_local_dates(owner, history, fake_tmdb):
    late = json.loads(
        run(history, "--user", "owner", "--json", "--time-zone", "Asia/Tokyo", client=fake_tmdb)[0]
    )
    anatomy = next(i for i in late["items"] if i["title"] == "Anatomie eines Falls")
    assert anatomy["watched_on"] == ["2025-10-12"]  # 19:02 UTC is the next morning in Tokyo


def test_unknown_time_zone_is_refused(owner, history, fake_tmdb):
    error, _, _ = failing(
        history, "--user", "owner", "--time-zone", "Mars/Olympus", client=fake_tmdb
    )
    assert "unknown time zone" in str(error)
    assert not ImportSession.objects.exists()


def test_dry_run_writes_nothing(owner, history, fake_tmdb):
    before = db_counts()
    out, _ = run(history, "--user", "owner", "--dry-run", client=fake_tmdb)
    assert db_counts() == before
    assert "Movies: 5." in out and "Dry run: nothing was saved" in out
    assert fake_tmdb.request_count > 0  # it did match


def test_dry_run_json_still_reports_the_matches(owner, history, fake_tmdb):
    before = db_counts()
    document = json.loads(
        run(history, "--user", "owner", "--dry-run", "--json", client=fake_tmdb)[0]
    )
    assert db_counts() == before
    assert not ImportSession.objects.filter(pk=document["session"]).exists()
    heat = next(i for i in document["items"] if i["title"] == "Heat")
    assert heat["tmdb_id"] == 949


def test_dry_run_with_create_user_creates_no_user(db, history, fake_tmdb):
    before = db_counts()
    run(history, "--user", "newcomer", "--create-user", "--dry-run", client=fake_tmdb)
    assert db_counts() == before


def test_create_user_makes_an_account_without_a_usable_password(db, history, fake_tmdb):
    out, _ = run(history, "--user", "newcomer", "--create-user", client=fake_tmdb)
    user = get_user_model().objects.get(username="newcomer")
    assert not user.has_usable_password()
    assert "no usable password" in out
    assert ImportSession.objects.get(owner=user).movies_found == 5


def test_create_user_uses_an_existing_account(owner, history, fake_tmdb):
    out, _ = run(history, "--user", "owner", "--create-user", client=fake_tmdb)
    assert get_user_model().objects.count() == 1
    assert "Created user" not in out
    assert owner.has_usable_password()


def test_unknown_user_exits_2(db, history, fake_tmdb):
    error, out, _ = failing(history, "--user", "nobody", client=fake_tmdb)
    assert error.returncode == 2
    assert "No user named 'nobody'" in str(error) and "\n" not in str(error)
    assert out == ""
    assert not ImportSession.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (None, None, "Cannot read"),
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("NetflixViewingHistory.csv", b"Title,Date\nHeat,1/2/23\n", "Netflix"),
    ],
    ids=["missing", "pdf", "netflix"],
)
def test_a_file_that_is_not_a_history_exits_2(owner, tmp_path, fake_tmdb, name, data, message):
    path = tmp_path / (name or "does-not-exist.csv")
    if data is not None:
        path.write_bytes(data)
    error, _, _ = failing(path, "--user", "owner", client=fake_tmdb)
    assert error.returncode == 2
    assert message in str(error)
    assert not ImportSession.objects.exists() and not ImportItem.objects.exists()


def test_tmdb_refusing_the_credentials_exits_1_and_keeps_the_import(owner, history):
    refusing = FakeTMDB(fail_with=TMDBAuthError("Invalid API key"))
    error, out, _ = failing(history, "--user", "owner", "--json", client=refusing)
    assert error.returncode == 1
    assert "TMDB refused our credentials" in str(error)
    session = ImportSession.objects.get(owner=owner)
    assert session.problem == ImportSession.Problem.AUTH
    assert f"/imports/{session.pk}/review/" in str(error)  # where to retry
    assert json.loads(out)["session"] == str(session.pk)  # the document is still printed


def test_tmdb_unreachable_for_every_look_up_exits_1(owner, history):
    down = FakeTMDB(fail_with=TMDBUnavailable("Connection refused"))
    error, out, _ = failing(history, "--user", "owner", client=down)
    assert error.returncode == 1
    assert "every look-up failed" in str(error)
    assert "Look-up failed: 5." in out
    assert ImportSession.objects.get(owner=owner).failed_count == 5


def test_a_few_failed_look_ups_only_warn(owner, history):
    flaky = FakeTMDB(fail_with=TMDBUnavailable("TMDB timed out"), fail_times=1)
    _, err = run(history, "--user", "owner", "--time-zone", "UTC", client=flaky)
    session = ImportSession.objects.get(owner=owner)
    assert f"1 look-up(s) failed. The import is kept: retry it from /imports/{session.pk}/" in err


def test_importing_the_same_file_again_reports_the_first_import(owner, history, fake_tmdb):
    first = json.loads(run(history, "--user", "owner", "--json", client=fake_tmdb)[0])
    requests_before = fake_tmdb.request_count
    out, err = run(history, "--user", "owner", "--json", client=fake_tmdb)
    again = json.loads(out)
    assert again["session"] == first["session"]
    assert again["items"] == first["items"]
    assert ImportSession.objects.count() == 1
    assert "imported this file on" in err
    assert fake_tmdb.request_count == requests_before  # nothing looked up twice


@pytest.mark.slow
def test_unknown_user_from_a_shell_is_one_line_and_no_traceback(tmp_path, history):
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "TMDB_API_KEY": "",
        "TMDB_READ_TOKEN": "",
    }
    subprocess.run(
        [sys.executable, str(manage), "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    finished = subprocess.run(
        [sys.executable, str(manage), "import_prime", str(history), "--user", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    assert finished.stderr.strip().splitlines() == [
        "CommandError: No user named 'nobody'. Check the name, or pass --create-user."
    ]
    assert finished.stdout == ""
