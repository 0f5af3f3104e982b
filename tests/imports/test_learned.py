"""Learning from people's choices, end to end: people add a film for an Amazon title, later
imports by anyone start from it, agreement raises the confidence, disagreement lowers it,
staff can clear it, and nothing links a choice to a person."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.urls import reverse

from imports import learned, runner, services
from imports.models import ImportItem, LearnedChoice
from movieranking.models import Ranking
from tests.factories import make_user
from tests.fakes import FakeTMDB

pytestmark = pytest.mark.django_db

DUNE_2021, DUNE_1984 = 438631, 841


def history(title="Dune", watched="2023-06-01", gti="") -> bytes:
    """A one-film history: exporter v2 in English (no title id) or v3 with `gti`."""
    if not gti:
        return f'Date Watched,Type,Title,Episode\n{watched},Movie,"{title}",""\n'.encode()
    return (
        '"Date Watched","Type","Title","Episode Title","Global Title Identifier",'
        '"Episode Global Title Identifier","Path","Episode Path","Image URL"\n'
        f'"{watched} 20:00:00.000","Movie","{title}","","{gti}","","","",""\n'
    ).encode()


def imported(username: str, data: bytes | None = None) -> ImportItem:
    """`username` imports the history and it is matched; their one item."""
    owner = get_user_model().objects.filter(username=username).first() or make_user(username)
    session = services.session_create_from_upload(
        owner=owner, file_name="history.csv", data=data or history(), enqueue=False
    ).session
    runner.session_match(session_id=session.pk, client=FakeTMDB(), threads=1)
    return session.items.get()


def chooses(username: str, tmdb_id: int, data: bytes | None = None) -> ImportItem:
    """`username` imports the history, picks `tmdb_id` from the candidates and adds it
    (replacing their rating when they had rated it already)."""
    item = imported(username, data)
    if item.match_tmdb_id != tmdb_id:
        item = services.item_choose_candidate(item=item, tmdb_id=tmdb_id)
    try:
        return services.item_add(item=item, rating=4)
    except services.AlreadyRanked:
        return services.item_add(item=item, rating=4, replace=True)


def counts() -> dict[tuple[str, int], int]:
    return {(c.kind, c.tmdb_id): c.people for c in LearnedChoice.objects.all()}


def test_people_choose_the_next_import_shows_it_disagreement_lowers_it_admin_clears_it(
    admin_client,
):
    # On its own the matcher cannot tell the two Dunes apart and leans to the newer one.
    before = imported("first")
    assert before.match_tmdb_id == DUNE_2021 and before.confidence < 0.85
    assert "chosen by" not in before.reason

    chooses("first", DUNE_1984)
    chooses("second", DUNE_1984)

    third = imported("third")
    assert third.match_tmdb_id == DUNE_1984
    assert third.reason.startswith("chosen by 2 people")
    assert third.confidence >= 0.85  # two people agree and nobody chose otherwise
    assert DUNE_2021 in [c["tmdb_id"] for c in third.candidates]

    chooses("fourth", DUNE_2021)  # someone disagrees

    fifth = imported("fifth")
    assert fifth.match_tmdb_id == DUNE_1984
    assert fifth.reason.startswith("chosen by 2 people; 1 person chose another film")
    assert fifth.confidence < third.confidence and fifth.confidence < 0.85
    assert fifth.candidates[1]["tmdb_id"] == DUNE_2021  # the other choice comes next

    changelist = reverse("admin:imports_learnedchoice_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "Dune" in page and "en:dune" in page
    for name in ("first", "second", "third", "fourth", "fifth"):
        assert name not in page  # counts only
    chosen = list(LearnedChoice.objects.values_list("pk", flat=True))
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    )
    assert response.status_code == 302
    assert not LearnedChoice.objects.exists()

    sixth = imported("sixth")
    assert sixth.match_tmdb_id == DUNE_2021 and "chosen by" not in sixth.reason


def test_one_person_counts_once_however_often_they_choose_the_same_film():
    chooses("first", DUNE_1984)
    chooses("first", DUNE_1984, history(watched="2024-01-05"))  # another import, same title
    assert counts() == {("title", DUNE_1984): 1}
    alone = imported("second")
    assert alone.match_tmdb_id == DUNE_1984 and alone.reason.startswith("chosen by 1 person")
    assert alone.confidence < 0.85  # one person is not enough to be sure


def test_choosing_another_film_later_moves_the_persons_one_vote():
    chooses("first", DUNE_1984)
    chooses("first", DUNE_2021, history(watched="2024-01-05"))
    assert counts() == {("title", DUNE_2021): 1}


def test_undoing_an_add_takes_the_choice_back():
    item = chooses("first", DUNE_1984)
    assert counts() == {("title", DUNE_1984): 1}
    services.item_undo(session=item.session)
    assert counts() == {}
    assert ImportItem.objects.get(pk=item.pk).chosen_tmdb_id is None


def test_skipping_counts_nothing():
    item = imported("first")
    services.item_skip(item=item)
    assert counts() == {}


def test_amazons_title_id_is_asked_first():
    # Two people chose the 1984 film for this Amazon title id, whatever the title says.
    chooses("first", DUNE_1984, history(title="Dune", gti="amzn1.dv.gti.d1984"))
    chooses("second", DUNE_1984, history(title="Dune", gti="amzn1.dv.gti.d1984"))
    assert counts() == {("title_id", DUNE_1984): 2, ("title", DUNE_1984): 2}
    # The same title id under another title (another language) finds their choice.
    item = imported("third", history(title="Der Wüstenplanet", gti="amzn1.dv.gti.d1984"))
    assert item.match_tmdb_id == DUNE_1984 and item.reason.startswith("chosen by 2 people")


def test_two_films_of_one_title_with_their_own_title_ids_are_two_choices():
    # One person watched both Dunes; Amazon gives each its own title id.
    chooses("first", DUNE_1984, history(watched="2016-04-04", gti="amzn1.dv.gti.d1984"))
    chooses("first", DUNE_2021, history(watched="2022-02-02", gti="amzn1.dv.gti.d2021"))
    found = {(c.kind, c.key, c.tmdb_id): c.people for c in LearnedChoice.objects.all()}
    assert found[("title_id", "amzn1.dv.gti.d1984", DUNE_1984)] == 1
    assert found[("title_id", "amzn1.dv.gti.d2021", DUNE_2021)] == 1
    # Under the bare title their one vote goes to the film they chose last.
    assert found[("title", "en:dune", DUNE_2021)] == 1
    assert ("title", "en:dune", DUNE_1984) not in found


def test_undo_takes_back_only_what_the_add_counted():
    chooses("first", DUNE_1984, history(watched="2016-04-04", gti="amzn1.dv.gti.d1984"))
    later = chooses("first", DUNE_2021, history(watched="2022-02-02", gti="amzn1.dv.gti.d2021"))
    services.item_undo(session=later.session)
    found = {(c.kind, c.key, c.tmdb_id): c.people for c in LearnedChoice.objects.all()}
    assert found == {("title_id", "amzn1.dv.gti.d1984", DUNE_1984): 1}


def test_the_title_key_is_per_language():
    chooses("first", DUNE_1984)
    chooses("second", DUNE_1984)
    german = b'Datum angesehen,Typ,Titel,Folge\n2023-06-01,Film,"Dune",""\n'  # another locale
    item = imported("third", german)
    assert "chosen by" not in item.reason


def test_a_choice_of_a_film_released_after_the_watch_does_not_count():
    chooses("first", DUNE_2021)
    chooses("second", DUNE_2021)
    # Watched in 2016: the 2021 film cannot be it, whatever people chose.
    item = imported("third", history(watched="2016-03-01"))
    assert item.match_tmdb_id == DUNE_1984 and "chosen by" not in item.reason


def test_a_repeat_import_of_a_chosen_title_asks_tmdb_nothing_new():
    chooses("first", DUNE_1984)
    chooses("second", DUNE_1984)
    client = FakeTMDB()
    owner = make_user("third")
    session = services.session_create_from_upload(
        owner=owner, file_name="history.csv", data=history(), enqueue=False
    ).session
    runner.session_match(session_id=session.pk, client=client, threads=1)
    assert client.request_count == 0  # the look-up cache answers


def test_nothing_in_a_learned_choice_points_to_a_person():
    relations = [field.name for field in LearnedChoice._meta.get_fields() if field.is_relation]
    assert relations == []
    chooses("first", DUNE_1984)
    stored = LearnedChoice.objects.values().get(kind="title")
    assert set(stored) == {"id", "kind", "key", "tmdb_id", "people", "candidate", "updated_at"}
    assert "first" not in str(stored)


def _in_thread(work, errors):
    def run():
        try:
            work()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def _race(*steps):
    """Run the steps in threads, released at the same moment; the errors they raised."""
    start, errors = threading.Barrier(len(steps)), []

    def released(step):
        def work():
            start.wait()
            step()

        return work

    threads = [_in_thread(released(step), errors) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_choices_count_every_person_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    items = [imported(f"person{n}") for n in range(1, 4)]
    items = [services.item_choose_candidate(item=item, tmdb_id=DUNE_1984) for item in items]
    errors = _race(*(lambda item=item: services.item_add(item=item, rating=4) for item in items))
    assert not errors
    assert counts() == {("title", DUNE_1984): 3}  # three first choices of one pair at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_persons_two_tabs_choosing_at_once_count_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    # Two imports of the same title, a film added in each tab at the same moment: the
    # second to finish moves the person's one vote. A race, so run it a few times.
    for round_ in range(8):
        title = f"Dune Round {round_}"
        tabs = [
            imported("person0", history(title=title, watched=day))
            for day in ("2023-06-01", "2024-01-05")
        ]
        films = [DUNE_1984, DUNE_2021]
        tabs = [
            services.item_choose_candidate(
                item=item, tmdb_id=film, candidate={"tmdb_id": film, "title": "Dune"}
            )
            for item, film in zip(tabs, films, strict=True)
        ]
        Ranking.objects.filter(user__username="person0").delete()
        errors = _race(*(lambda item=item: services.item_add(item=item, rating=4) for item in tabs))
        assert not errors
        key = f"en:dune round {round_}"
        assert sum(LearnedChoice.objects.filter(key=key).values_list("people", flat=True)) == 1


def test_recording_needs_a_match():
    item = imported("first", history(title="Qwzxv Nonexistent"))
    learned.choice_record(item=item)
    assert counts() == {}
