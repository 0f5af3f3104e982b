"""Background work, through Django's `django.tasks` API (django-tasks-db in production)."""

from django.tasks import task

from . import runner, tmdb


@task()
def match_session(session_id: str) -> bool:
    """Find every waiting item of an import session on TMDB."""
    with tmdb.build_client() as client:
        return runner.session_match(session_id=session_id, client=client)
