from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import Ranking, title_sort_key

SORTS = {
    "rated": ("Newest rated", ["-rated_at", "-id"]),
    "rating": ("Highest rated", ["-rating", "-rated_at", "-id"]),
    "title": ("Title A–Z", [title_sort_key("movie__title"), "id"]),
}


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ["username"]


class RankingFilterForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()], required=False
    )
    stars = forms.TypedChoiceField(
        label="Stars",
        choices=[("", "All ratings")] + [(str(n), "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def ordering(self) -> list:
        sort = self.cleaned_data.get("sort") or "rated"
        return SORTS[sort][1]

    def query(self, page: str | None = None) -> str:
        """The list's address query for what was chosen: no empty or unknown values."""
        params = {}
        if self.is_valid():
            params = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        if page and page.isdigit() and page != "1":
            params["page"] = page
        return urlencode(params)


class RankingForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        choices=[(n, f"{n} ★") for n in range(1, 6)], coerce=int, widget=forms.RadioSelect
    )

    class Meta:
        model = Ranking
        fields = ["rating", "rated_at"]
        labels = {"rated_at": "Rated on"}
        widgets = {"rated_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
