"""Development defaults for a test run, loaded by pytest (`-p tests.environment` in
pyproject.toml) before pytest-django reads the settings: a conftest.py would come too late.

The settings refuse to start without SECRET_KEY unless DEBUG is on, and with DEBUG off they
redirect to HTTPS and want collected static files. A value already in the environment wins.
"""

import os

os.environ.setdefault("DEBUG", "true")
