import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60 + "-production-like-secret-value",
    "ALLOWED_HOSTS": "movies.example.org",
    "DATABASE_URL": "sqlite:////tmp/movieranking-settings-test.sqlite3",
}


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Start from this environment minus what a production machine would not have (browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env, DJANGO_SETTINGS_MODULE="movieranking.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_without_secret_key_refuses_to_start():
    result = _run("import django; django.setup()", {"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_without_secret_key_starts():
    result = _run("import django; django.setup(); print('ok')", {"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_malformed_setting_fails_loudly():
    result = _run("import django; django.setup()", {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    code = (
        "import django, sys; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    result = _run(code, PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
