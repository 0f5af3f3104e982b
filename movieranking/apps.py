from django.apps import AppConfig


class MovieRankingConfig(AppConfig):
    name = "movieranking"
    verbose_name = "Movie rankings"
