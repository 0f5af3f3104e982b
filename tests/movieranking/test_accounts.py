import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, make_ranking

pytestmark = pytest.mark.django_db


def test_sign_up_creates_an_account_and_signs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "cinephile", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert get_user_model().objects.filter(username="cinephile").exists()
    assert response.context["user"].username == "cinephile"
    assert "My rankings" in response.content.decode()


def test_sign_up_with_mismatched_passwords_explains(client):
    response = client.post(
        reverse("signup"), {"username": "x", "password1": PASSWORD, "password2": "other"}
    )
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert not get_user_model().objects.filter(username="x").exists()


def test_sign_in_opens_the_rankings_and_sign_out_closes_them(client, owner):
    make_ranking(owner)
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("rankings:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("rankings:list")).status_code == 302


def test_password_change_takes_the_new_password(owner_client, owner):
    response = owner_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pw-77",
            "new_password2": "another-long-pw-77",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("another-long-pw-77")


def test_footer_carries_the_tmdb_notice(owner_client):
    html = owner_client.get(reverse("rankings:list")).content.decode()
    assert "This product uses the TMDB API but is not endorsed or certified by TMDB." in html


def test_visitors_get_the_landing_page_and_signed_in_people_their_rankings(client, owner):
    from tests.test_security import markup_problems

    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200 and "Import your Prime Video history" in html
    assert html.count('src="/posters/') >= 6
    assert markup_problems(html) == []
    client.force_login(owner)
    assert client.get(reverse("home"))["Location"] == reverse("rankings:list")


def test_signing_out_lands_on_the_landing_page_saying_so(client, owner):
    client.force_login(owner)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are signed out." in response.content.decode()


def test_signing_up_from_the_landing_page_goes_on_to_the_upload(client):
    upload = reverse("imports:upload")
    data = {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(f"{reverse('signup')}?next={upload}", {**data, "next": upload})
    assert response["Location"] == upload
    client.logout()
    data["username"] = "another"
    response = client.post(reverse("signup"), {**data, "next": "https://evil.example/"})
    assert response["Location"] == reverse("rankings:list")
