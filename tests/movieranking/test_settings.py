import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # each test starts a fresh Python with its own environment

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 60 + "-production-like-secret-value",
    "ALLOWED_HOSTS": "movies.example.org",
    "DATABASE_URL": "sqlite:////tmp/movieranking-settings-test.sqlite3",
}
# What a site that serves every subdomain over HTTPS and wants the preload list adds.
HSTS_OPT_INS = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true"}


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Start from this environment minus what a production machine would not have (browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "TIME_ZONE", "LOG_LEVEL"}
    clean = {
        k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("SECURE_")
    }
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
    result = _run(code, {**PRODUCTION, **HSTS_OPT_INS})
    assert result.returncode == 0, result.stderr + result.stdout


def _settings(env: dict[str, str], *names: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings;"
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}))"
    )
    result = _run(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_names_only_the_hsts_opt_ins_when_they_are_off():
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "call_command('check', '--deploy')"
    )
    result = _run(code, PRODUCTION)
    assert result.returncode == 0, result.stderr
    warnings = re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr)
    assert sorted(warnings) == ["W005", "W021"]


def test_the_proxy_header_is_trusted_only_when_asked():
    names = ("SECURE_PROXY_SSL_HEADER",)
    assert _settings(PRODUCTION, *names) == {"SECURE_PROXY_SSL_HEADER": None}
    trusted = _settings({**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "true"}, *names)
    assert trusted == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_hsts_covers_subdomains_and_preload_only_when_asked():
    names = ("SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")
    assert _settings(PRODUCTION, *names) == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
    }
    opted_in = {**PRODUCTION, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "yes", "SECURE_HSTS_PRELOAD": "1"}
    assert _settings(opted_in, *names)["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert _settings(opted_in, *names)["SECURE_HSTS_PRELOAD"] is True


def test_a_known_time_zone_is_used():
    assert _settings({"DEBUG": "true", "TIME_ZONE": "Europe/Berlin"}, "TIME_ZONE") == {
        "TIME_ZONE": "Europe/Berlin"
    }


def test_an_unknown_time_zone_fails_loudly():
    for zone in ("Mars/Olympus_Mons", "../etc/passwd", "europe/berlin"):
        result = _run("import django; django.setup()", {"DEBUG": "true", "TIME_ZONE": zone})
        assert result.returncode != 0
        assert "ImproperlyConfigured: TIME_ZONE must be a time zone name" in result.stderr, zone


def test_log_level_is_read_in_any_case():
    settings = _settings({"DEBUG": "true", "LOG_LEVEL": "warning"}, "LOGGING")
    assert settings["LOGGING"]["root"]["level"] == "WARNING"


def test_an_unknown_log_level_fails_loudly():
    result = _run("import django; django.setup()", {"DEBUG": "true", "LOG_LEVEL": "LOUD"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: LOG_LEVEL must be one of DEBUG, INFO" in result.stderr
