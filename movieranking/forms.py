from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import Ranking

SORTS = {
    "rated": ("Newest rated", ["-rated_at", "-id"]),
    "rating": ("Highest rated", ["-rating", "-rated_at", "-id"]),
    "title": ("Title A–Z", ["movie__title", "id"]),
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

    def ordering(self) -> list[str]:
        sort = self.cleaned_data.get("sort") or "rated"
        return SORTS[sort][1]


class RankingForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        choices=[(n, f"{n} ★") for n in range(1, 6)], coerce=int, widget=forms.RadioSelect
    )

    class Meta:
        model = Ranking
        fields = ["rating", "rated_at"]
        labels = {"rated_at": "Rated on"}
        widgets = {"rated_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
