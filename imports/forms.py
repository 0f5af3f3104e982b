import re
import zoneinfo

from django import forms
from django.conf import settings

_TMDB_REFERENCE = re.compile(
    r"^\s*(?:https?://)?(?:www\.)?themoviedb\.org/movie/(?P<url_id>\d+)|^\s*(?P<bare_id>\d{1,9})\s*$"
)


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


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
    time_zone = forms.TypedChoiceField(
        label="Your time zone",
        help_text="Watch times in the file are in UTC; we turn them into your dates.",
        choices=_time_zone_choices,
        coerce=zoneinfo.ZoneInfo,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = settings.TIME_ZONE

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.0f} MB; the largest we accept is "
                f"{limit} MB. Upload only the viewing history CSV, not the whole data download."
            )
        return upload


class AddForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(str(n), f"{n} ★") for n in range(1, 6)], coerce=int, label="Rating"
    )
    rated_at = forms.DateField(
        required=False, label="Rated on", widget=forms.DateInput(attrs={"type": "date"})
    )
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ChooseForm(forms.Form):
    tmdb_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


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
