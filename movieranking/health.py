"""`/healthz` for load balancers: is the database reachable, and is background work keeping up."""

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        waiting = DBTaskResult.objects.ready()
        queue = waiting.aggregate(oldest=Min("enqueued_at"))
        depth = waiting.count()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    oldest = queue["oldest"]
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "queue_depth": depth,
            "oldest_waiting_task_seconds": age,
        }
    )
