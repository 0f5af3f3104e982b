import functools
import re
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

_TMDB_REFERENCE = re.compile(
    r"^\s*(?:https?://)?(?:www\.)?themoviedb\.org/movie/(?P<url_id>\d+)|^\s*(?P<bare_id>\d{1,9})\s*$"
)


REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific"}  # fmt: skip


@functools.cache
def canonical_zones() -> tuple[str, ...]:
    """Today's zone names, one per place (tzdata's zone.tab): no legacy aliases such as
    US/Eastern or Asia/Calcutta. Falls back to every regional name when zone.tab is missing."""
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "zone.tab"
        if table.is_file():
            lines = table.read_text(encoding="utf-8").splitlines()
            names = {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
            break
    else:
        names = {n for n in zoneinfo.available_timezones() if n.split("/")[0] in REGIONS}
    return ("UTC", *sorted(names))


@functools.cache
def zone_labels() -> dict[str, str]:
    """Each zone's words in the list, under its region: "Europe/Isle_of_Man" → "Isle of Man"."""
    places = [name.partition("/")[2] for name in canonical_zones()]
    labels = {}
    for name, place in zip(canonical_zones(), places, strict=True):
        unique = place and places.count(place) == 1
        labels[name] = (place if unique else name).replace("_", " ")
    return labels


def zone_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The zones by region, for the upload page's list: [(region, [(zone, label)])]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, label in zone_labels().items():
        if "/" in name:
            groups.setdefault(name.split("/")[0], []).append((name, label))
    return list(groups.items())


class TimeZoneField(forms.Field):
    """A zone from the list (by its words there) or any IANA name, as a ZoneInfo."""

    default_error_messages = {"invalid": "Choose your time zone from the list."}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        by_label = {label: name for name, label in zone_labels().items()}
        name = by_label.get(value, value)
        if name not in zoneinfo.available_timezones():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return zoneinfo.ZoneInfo(name)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Your Prime Video history",
        help_text="A .csv file, or the .zip Amazon sent you.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.zip,.txt,text/csv"}),
        error_messages={
            "empty": "The file is empty. Choose the viewing history file itself.",
            "required": "Choose your viewing history file first.",
        },
    )
    time_zone = TimeZoneField(
        label="Your time zone",
        help_text="Watch times in the file are in UTC; we turn them into your dates.",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = settings.TIME_ZONE


# No film was rated before there were films to rate.
EARLIEST_RATING_DATE = date(1900, 1, 1)


class IsoDateField(forms.DateField):
    """A date written as ISO 8601: `2024-02-10`, or a date and time (an aware one becomes
    the date in TIME_ZONE). The browser's date input sends the first; API callers either.
    Anything else — a number, a list, a date no calendar here can hold — is invalid."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
        if not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not timezone.is_aware(moment):
            return moment.date()
        try:
            return timezone.localdate(moment)
        except OverflowError:  # year 1 or 9999 moved across midnight in TIME_ZONE
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class AddForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(str(n), f"{n} ★") for n in range(1, 6)],
        coerce=int,
        label="Rating",
        error_messages={
            "required": "Give a whole number from 1 to 5.",
            "invalid_choice": "Give a whole number from 1 to 5.",
        },
    )
    rated_at = IsoDateField(
        required=False,
        label="Rated on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give an ISO 8601 date or date and time, e.g. 2024-02-10."},
    )
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_rated_at(self) -> date | None:
        rated_at = self.cleaned_data["rated_at"]
        # Tomorrow too: "today" somewhere east of TIME_ZONE.
        latest = timezone.localdate() + timedelta(days=1)
        if rated_at is not None and not EARLIEST_RATING_DATE <= rated_at <= latest:
            raise ValidationError(
                f"Give a date between {EARLIEST_RATING_DATE:%Y-%m-%d} and today.", code="range"
            )
        return rated_at


class ChooseForm(forms.Form):
    tmdb_id = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Give a TMDB movie id (a positive whole number).",
            "invalid": "Give a TMDB movie id (a positive whole number).",
            "min_value": "Give a TMDB movie id (a positive whole number).",
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search TMDB",
        max_length=200,
        strip=True,
        help_text="A title, or a TMDB link or id.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def tmdb_id(self) -> int | None:
        """The TMDB id when the person pasted a themoviedb.org link or a bare id."""
        found = _TMDB_REFERENCE.match(self.cleaned_data["q"])
        if not found:
            return None
        return int(found.group("url_id") or found.group("bare_id"))


class MoviesPageForm(forms.Form):
    """Which page of an import's films the API should answer with."""

    page = forms.IntegerField(
        min_value=1,
        required=False,
        error_messages={"invalid": "Give a page number from 1.", "min_value": "Pages start at 1."},
    )
    page_size = forms.IntegerField(
        min_value=1,
        max_value=500,
        required=False,
        error_messages={
            "invalid": "Give a page size from 1 to 500.",
            "min_value": "Give a page size from 1 to 500.",
            "max_value": "Give a page size from 1 to 500.",
        },
    )
