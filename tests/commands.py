"""Running `import_prime` in tests: with a TMDB client handed in and its output captured."""

import io

import pytest
from django.core.management import CommandError, call_command

from imports.management.commands.import_prime import Command as ImportPrime


def run(*args, client=None, **options):
    """import_prime matching with `client` (the offline catalog if None), with captured
    output: (stdout, stderr)."""
    out, err = options.pop("stdout", io.StringIO()), options.pop("stderr", io.StringIO())
    command = ImportPrime(client=client)
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def failing(*args, client=None, **options) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        run(*args, client=client, stdout=out, stderr=err, **options)
    return raised.value, out.getvalue(), err.getvalue()
