from django.urls import path, re_path

from . import api

app_name = api.NAMESPACE

urlpatterns = [
    path("upload/", api.upload, name="upload"),
    path("session/<uuid:session_id>/", api.session, name="session"),
    path("session/<uuid:session_id>/movie/<int:index>/add/", api.item_add, name="add"),
    path("session/<uuid:session_id>/movie/<int:index>/skip/", api.item_skip, name="skip"),
    path("session/<uuid:session_id>/movie/<int:index>/match/", api.item_match, name="match"),
    # Last: everything else under the prefix, slashless paths included, is a JSON 404.
    re_path(r"^.*$", api.not_found, name="not_found"),
]
