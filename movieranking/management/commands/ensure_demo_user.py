import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the 'demo' user with a fresh random password, unless any user exists."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            return
        password = secrets.token_urlsafe(9)
        User.objects.create_user(username="demo", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created user 'demo' with password '{password}' "
                "(shown only this once; change it under your name at the top right)."
            )
        )
