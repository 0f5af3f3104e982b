import pytest
from django.urls import reverse

from tests.factories import make_session

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize(
    "name", ["rankings:list", "imports:list", "imports:upload", "password_change"]
)
def test_signed_in_pages_are_private(owner_client, name):
    response = owner_client.get(reverse(name))
    assert response.status_code == 200
    assert "private" in directives(response)
    assert "public" not in directives(response)


def test_signed_in_api_answers_and_redirects_are_private(owner_client, owner):
    session = make_session(owner)
    api = owner_client.get(f"/api/v1/import/amazon-prime/session/{session.pk}/")
    assert api.status_code == 200 and "private" in directives(api)
    redirect = owner_client.get(reverse("home"))
    assert redirect.status_code == 302 and "private" in directives(redirect)
