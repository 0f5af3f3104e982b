import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportItem, ImportSession
from tests.fixtures import zip_of
from tests.fixtures.histories import HISTORY

pytestmark = pytest.mark.django_db


def post_file(client, data: bytes, name="history.csv", **extra):
    return client.post(
        reverse("imports:upload"),
        {"file": SimpleUploadedFile(name, data), "time_zone": "Europe/Berlin"},
        **extra,
    )


def test_upload_page_explains_which_files_work(owner_client):
    html = owner_client.get(reverse("imports:upload")).content.decode()
    assert "Viewing History.csv" in html and "browser exporter" in html


def test_upload_reads_the_file_and_shows_what_was_found(
    owner_client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(owner_client, HISTORY)
    session = ImportSession.objects.get(owner=owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:session", args=[session.pk])
    assert session.items.count() == 5
    page = owner_client.get(response["Location"]).content.decode()
    assert "Browser exporter v3" in page
    assert "Movies found" in page
    # Matching ran on commit (inline in tests) against the offline demo catalog.
    session.refresh_from_db()
    assert session.used_offline_catalog
    assert session.items.exclude(lookup=ImportItem.Lookup.WAITING).count() == 5
    assert "Demo catalogue: matching uses a built-in list of 536 well-known films" in page


def test_the_same_file_twice_offers_the_first_import(owner_client, owner):
    first = post_file(owner_client, HISTORY)
    second = post_file(owner_client, HISTORY, follow=True)
    assert ImportSession.objects.filter(owner=owner).count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "You uploaded this file on" in second.content.decode()


def test_someone_else_uploading_the_same_file_gets_their_own_import(owner_client, stranger_client):
    post_file(owner_client, HISTORY)
    post_file(stranger_client, HISTORY)
    assert ImportSession.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The file is empty"),
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("NetflixViewingHistory.csv", b"Title,Date\nHeat,1/2/23\n", "Netflix"),
    ],
)
def test_files_that_are_not_a_history_are_refused_with_a_reason(owner_client, name, data, message):
    response = post_file(owner_client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportSession.objects.exists()
    assert not ImportItem.objects.exists()


def test_amazons_zip_is_read(owner_client, owner):
    data = zip_of(
        {
            "Your Prime Video Viewing Activity/Read Me.txt": b"hello",
            "Your Prime Video Viewing Activity/history.csv": HISTORY,
        }
    )
    response = post_file(owner_client, data, name="Your Data.zip")
    assert response.status_code == 302
    assert ImportSession.objects.get(owner=owner).items.count() == 5


def test_progress_partial_for_htmx_and_polling_stops_when_done(owner_client, owner):
    from imports import runner
    from tests.fakes import FakeTMDB

    post_file(owner_client, HISTORY)
    session = ImportSession.objects.get(owner=owner)
    url = reverse("imports:progress", args=[session.pk])
    page = owner_client.get(reverse("imports:session", args=[session.pk])).content.decode()
    assert 'id="progress-poll"' in page and 'hx-trigger="every 1s"' in page
    matching = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in matching
    # Only the insides of the parts change; the poller carries on.
    assert "Matching 0 of 5" in matching and 'hx-swap-oob="innerHTML"' in matching
    assert "progress-poll" not in matching
    runner.session_match(session_id=session.pk, client=FakeTMDB())
    done = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "All 5 films looked up" in done and "hx-trigger" not in done
    assert '<div id="progress-poll" hidden hx-swap-oob="outerHTML">' in done


def test_refused_credentials_show_a_banner_and_offer_a_retry(owner_client, owner):
    from imports import runner
    from imports.tmdb import TMDBAuthError
    from tests.fakes import FakeTMDB

    post_file(owner_client, HISTORY)
    session = ImportSession.objects.get(owner=owner)
    runner.session_match(session_id=session.pk, client=FakeTMDB(fail_with=TMDBAuthError("x")))
    page = owner_client.get(reverse("imports:session", args=[session.pk])).content.decode()
    assert "TMDB refused our credentials" in page
    assert "Retry the films not found yet" in page


def test_the_same_file_after_its_import_expired_starts_a_fresh_import(owner_client, owner):
    from imports import services

    post_file(owner_client, HISTORY)
    first = ImportSession.objects.get(owner=owner)
    services.session_expire_now(session=first)
    response = post_file(owner_client, HISTORY)
    fresh = ImportSession.objects.exclude(pk=first.pk).get(owner=owner)
    assert response["Location"] == reverse("imports:session", args=[fresh.pk])
    assert owner_client.get(response["Location"]).status_code == 200


def test_the_time_zones_offered_are_todays_names_only(owner_client):
    html = owner_client.get(reverse("imports:upload")).content.decode()
    assert len(html.encode()) < 15_000
    assert 350 <= html.count("<option") <= 450
    assert "<option selected>UTC" in html  # the site's zone, until the browser says otherwise
    assert '<optgroup label="Europe">' in html and "<option>Kyiv" in html
    assert "Calcutta" not in html and "US/Eastern" not in html


@pytest.mark.parametrize("zone", ["Berlin", "Europe/Berlin", "Argentina/Buenos Aires"])
def test_a_time_zone_is_read_by_its_words_in_the_list_or_its_name(owner_client, owner, zone):
    response = owner_client.post(
        reverse("imports:upload"),
        {"file": SimpleUploadedFile("history.csv", HISTORY), "time_zone": zone},
    )
    assert response.status_code == 302


def test_an_unknown_time_zone_is_explained(owner_client):
    response = owner_client.post(
        reverse("imports:upload"),
        {"file": SimpleUploadedFile("history.csv", HISTORY), "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert "Choose your time zone from the list." in response.content.decode()
