from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views

rankings_patterns = [
    path("", views.ranking_list, name="list"),
    path("<int:pk>/", views.ranking_row, name="row"),
    path("<int:pk>/edit/", views.ranking_edit, name="edit"),
    path("<int:pk>/delete/", views.ranking_delete, name="delete"),
]

accounts_patterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("posters/<int:tmdb_id>.svg", views.poster, name="poster"),
    path("rankings/", include((rankings_patterns, "rankings"))),
    path("accounts/", include(accounts_patterns)),
    path("imports/", include("imports.urls")),
    path("api/v1/import/amazon-prime/", include("imports.api_urls")),
    path("admin/", admin.site.urls),
]
