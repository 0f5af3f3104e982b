"""Request headers the site's own pages send."""

HTMX = {"HTTP_HX_REQUEST": "true"}  # what htmx adds to every request it makes
