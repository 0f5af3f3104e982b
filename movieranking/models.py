from django.conf import settings
from django.db import models
from django.db.models import Case, Q, When
from django.db.models.functions import Lower, Substr

# Leading articles that title order skips: "The Abyss" is found under A.
ARTICLES = ("the", "an", "a")


def title_sort_key(field: str = "title") -> Case:
    """An expression for ordering by title, lower-cased and without a leading article."""
    lower = Lower(field)
    return Case(
        *(
            When(**{f"{field}__istartswith": f"{article} "}, then=Substr(lower, len(article) + 2))
            for article in ARTICLES
        ),
        default=lower,
    )


class Movie(models.Model):
    """A film as TMDB knows it; shared by every user's rankings."""

    tmdb_id = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=500)
    original_title = models.CharField(max_length=500, blank=True)
    original_language = models.CharField(max_length=20, blank=True)
    release_date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    poster_path = models.CharField(max_length=200, blank=True)
    overview = models.TextField(blank=True)
    popularity = models.FloatField(default=0)
    vote_average = models.FloatField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    genres = models.JSONField(default=list, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(Lower("title"), name="movie_title_lower")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def poster_url(self, size: str = "w342") -> str:
        if not self.poster_path:
            return ""
        return f"{settings.TMDB_IMAGE_BASE_URL}{size}{self.poster_path}"

    @property
    def tmdb_url(self) -> str:
        return f"https://www.themoviedb.org/movie/{self.tmdb_id}"


class Ranking(models.Model):
    """One person's rating of one film."""

    RATING_CHOICES = [(n, "★" * n) for n in range(1, 6)]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rankings"
    )
    movie = models.ForeignKey(Movie, on_delete=models.PROTECT, related_name="rankings")
    rating = models.PositiveSmallIntegerField(choices=RATING_CHOICES)
    rated_at = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="ranking_rating_1_to_5"
            ),
            models.UniqueConstraint(fields=["user", "movie"], name="ranking_one_per_user_movie"),
        ]
        indexes = [
            # The rankings list: one user's rows sorted by rating or by date.
            models.Index(fields=["user", "-rating", "-rated_at"], name="ranking_user_rating"),
            models.Index(fields=["user", "-rated_at"], name="ranking_user_rated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.movie} · {self.rating}★"

    @property
    def stars(self) -> str:
        return "★" * self.rating + "☆" * (5 - self.rating)


class Throttle(models.Model):
    """How often one person (or address) did one thing in the current window: the count
    behind `movieranking.throttle`, kept here so every web process shares it."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
