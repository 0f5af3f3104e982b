import pytest
from django.urls import reverse
from django.utils import timezone

from imports.models import ImportItem, ImportSession, TMDBLookup
from tests.factories import candidate, make_item, make_ranking, make_session

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def session(owner):
    session = make_session(owner, layout_label="Amazon Viewing History", unreadable=2)
    heat = make_item(session, title="Heat", tmdb_id=949, confidence=0.95)
    ranking = make_ranking(owner)
    ImportItem.objects.filter(pk=heat.pk).update(status=ImportItem.Status.ADDED, ranking=ranking)
    make_item(session, title="Heat 2", tmdb_id=950, confidence=0.7)
    make_item(session, title="Brazil", tmdb_id=68, confidence=0.3)
    make_item(session, title="Unlooked", candidates=[], confidence=None, lookup="waiting")
    ImportSession.objects.filter(pk=session.pk).update(movies_found=4, matched_count=3)
    return session


def url(name, *args):
    return reverse(f"admin:imports_{name}", args=args)


def titles_in(html: str, titles) -> set[str]:
    return {title for title in titles if f">{title}<" in html}


def test_session_list_shows_owner_counts_and_progress(admin_client, session):
    response = admin_client.get(url("importsession_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "owner" in html and "Amazon Viewing History" in html
    assert "75%" in html  # three of four looked up
    row = response.context["cl"].result_list[0]
    assert (row.movies_found, row.added, row.already_ranked, row.unreadable) == (4, 1, 0, 2)


def test_session_list_filters_render(admin_client, session):
    for query in (
        "status__exact=ready",
        "layout__exact=exporter-v3",
        "created_at__gte=2000-01-01+00:00:00%2B00:00",
    ):
        response = admin_client.get(f"{url('importsession_changelist')}?{query}")
        assert response.status_code == 200, query
        assert list(response.context["cl"].result_list) == [session], query


def test_search_by_item_title_lists_each_session_once(admin_client, session, stranger):
    make_session(stranger)
    response = admin_client.get(url("importsession_changelist"), {"q": "heat"})
    rows = list(response.context["cl"].result_list)
    assert rows == [session]  # two items match, one row
    assert rows[0].added == 1  # the search's join does not inflate the count
    by_owner = admin_client.get(url("importsession_changelist"), {"q": "stranger"})
    assert [s.owner.username for s in by_owner.context["cl"].result_list] == ["stranger"]


def test_session_page_is_read_only_with_its_items_inline(admin_client, session):
    response = admin_client.get(url("importsession_change", session.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert titles_in(html, ["Heat", "Heat 2", "Brazil", "Unlooked"]) == {
        "Heat",
        "Heat 2",
        "Brazil",
        "Unlooked",
    }
    assert 'href="https://www.themoviedb.org/movie/949"' in html
    heat = session.items.get(title="Heat")
    assert reverse("admin:movieranking_ranking_change", args=[heat.ranking_id]) in html
    assert f"{url('importitem_changelist')}?session__id__exact={session.pk}" in html
    assert 'name="_save"' not in html  # view only
    assert 'name="items-0-title"' not in html


def test_all_items_link_lists_the_sessions_items(admin_client, session, stranger):
    make_item(make_session(stranger), title="Someone else's")
    response = admin_client.get(url("importitem_changelist"), {"session__id__exact": session.pk})
    assert response.status_code == 200
    assert {i.title for i in response.context["cl"].result_list} == {
        "Heat",
        "Heat 2",
        "Brazil",
        "Unlooked",
    }


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("sure", {"Heat"}),
        ("likely", {"Heat 2"}),
        ("unsure", {"Brazil"}),
        ("none", {"Unlooked"}),
        (None, {"Heat", "Heat 2", "Brazil", "Unlooked"}),
    ],
)
def test_item_list_filters_by_confidence_band(admin_client, session, band, expected):
    query = {"confidence": band} if band else {}
    response = admin_client.get(url("importitem_changelist"), query)
    assert response.status_code == 200
    assert {i.title for i in response.context["cl"].result_list} == expected


def test_item_list_filters_by_status_and_lookup_and_searches_titles(admin_client, session):
    changelist = url("importitem_changelist")
    added = admin_client.get(changelist, {"status__exact": "added"}).context["cl"].result_list
    assert [i.title for i in added] == ["Heat"]
    waiting = admin_client.get(changelist, {"lookup__exact": "waiting"}).context["cl"].result_list
    assert [i.title for i in waiting] == ["Unlooked"]
    found = admin_client.get(changelist, {"q": "braz"}).context["cl"].result_list
    assert [i.title for i in found] == ["Brazil"]


def test_item_page_is_read_only(admin_client, session):
    item = session.items.get(title="Heat")
    response = admin_client.get(url("importitem_change", item.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="https://www.themoviedb.org/movie/949"' in html
    assert 'name="_save"' not in html
    assert admin_client.get(url("importitem_add")).status_code == 403
    assert admin_client.post(url("importitem_delete", item.pk), {"post": "yes"}).status_code == 403
    assert ImportItem.objects.filter(pk=item.pk).exists()


def test_tmdb_lookups_are_listed_read_only(admin_client):
    lookup = TMDBLookup.objects.create(kind="search", key="heat|", payload=[{"tmdb_id": 949}])
    listing = admin_client.get(url("tmdblookup_changelist"), {"q": "heat"})
    assert listing.status_code == 200 and "heat|" in listing.content.decode()
    page = admin_client.get(url("tmdblookup_change", lookup.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_retry_matching_action_requeues_failed_look_ups(
    admin_client, owner, django_capture_on_commit_callbacks
):
    session = make_session(owner)
    make_item(session, title="Heat", tmdb_id=949)
    failed = make_item(
        session, candidates=[], lookup=ImportItem.Lookup.FAILED, lookup_error="timed out"
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            url("importsession_changelist"),
            {"action": "retry_matching", "_selected_action": [session.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "again in 1 import(s)." in response.content.decode()
    assert len(callbacks) == 1  # the matching job, through services
    session.refresh_from_db()
    failed.refresh_from_db()
    assert session.status == ImportSession.Status.MATCHING
    assert failed.lookup == ImportItem.Lookup.WAITING and failed.lookup_error == ""


def test_retry_matching_says_when_there_is_nothing_to_do(admin_client, session):
    session.items.filter(lookup="waiting").update(lookup="done")
    response = admin_client.post(
        url("importsession_changelist"),
        {"action": "retry_matching", "_selected_action": [session.pk]},
        follow=True,
    )
    assert "Nothing left to look up." in response.content.decode()
    session.refresh_from_db()
    assert session.status == ImportSession.Status.READY


def test_expire_now_action_hides_the_session_from_its_owner(admin_client, owner_client, session):
    review = reverse("imports:review", args=[session.pk])
    assert owner_client.get(review).status_code == 200
    response = admin_client.post(
        url("importsession_changelist"),
        {"action": "expire_now", "_selected_action": [session.pk]},
        follow=True,
    )
    assert "Expired 1 import(s)" in response.content.decode()
    session.refresh_from_db()
    assert session.expires_at <= timezone.now()
    assert owner_client.get(review).status_code == 404


def test_titles_are_shown_as_text(admin_client, owner):
    session = make_session(owner)
    item = make_item(
        session, title=SCRIPT, candidates=[candidate(949, SCRIPT, 1995)], confidence=0.95
    )
    found = admin_client.get(url("importsession_changelist"), {"q": "script"})
    assert list(found.context["cl"].result_list) == [session]
    assert SCRIPT not in found.content.decode()
    pages = [
        admin_client.get(url("importsession_change", session.pk)),
        admin_client.get(url("importitem_changelist")),
        admin_client.get(url("importitem_change", item.pk)),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert SCRIPT not in html
        assert ESCAPED in html
