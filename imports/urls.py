from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<uuid:session_id>/", views.session_detail, name="session"),
    path("<uuid:session_id>/progress/", views.session_progress, name="progress"),
    path("<uuid:session_id>/retry/", views.session_retry, name="retry"),
    path("<uuid:session_id>/review/", views.review, name="review"),
    path("<uuid:session_id>/undo/", views.session_undo, name="undo"),
    path("<uuid:session_id>/items/", views.item_list, name="items"),
    path("<uuid:session_id>/items/<int:position>/", views.item_detail, name="item"),
    path("<uuid:session_id>/items/<int:position>/add/", views.item_add, name="add"),
    path("<uuid:session_id>/items/<int:position>/skip/", views.item_skip, name="skip"),
    path("<uuid:session_id>/items/<int:position>/keep/", views.item_keep, name="keep"),
    path("<uuid:session_id>/items/<int:position>/reopen/", views.item_reopen, name="reopen"),
    path("<uuid:session_id>/items/<int:position>/choose/", views.item_choose, name="choose"),
    path(
        "<uuid:session_id>/items/<int:position>/alternatives/",
        views.item_alternatives,
        name="alternatives",
    ),
    path("<uuid:session_id>/items/<int:position>/search/", views.item_search, name="search"),
    path("<uuid:session_id>/summary/", views.session_summary, name="summary"),
    path("<uuid:session_id>/finish/", views.session_finish, name="finish"),
    path("<uuid:session_id>/cancel/", views.session_cancel, name="cancel"),
    path("<uuid:session_id>/not-added.csv", views.session_not_added_csv, name="not_added_csv"),
]
