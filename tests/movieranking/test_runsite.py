"""`manage.py runsite` (what `make run` starts): one site and one worker, each line of their
logs printed once, and Ctrl-C ends both."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def site_env(tmp_path):
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "LOG_LEVEL"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        DJANGO_SETTINGS_MODULE="movieranking.settings",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return env


def test_runsite_serves_logs_each_request_once_and_ctrl_c_stops_both(site_env, tmp_path):
    port = _free_port()
    log = (tmp_path / "runsite.log").open("w+b")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runsite", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=site_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status is None:
            time.sleep(0.3)
            try:
                status = _get(f"http://127.0.0.1:{port}/accounts/login/")
            except OSError:
                continue
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/no-such-page/") == 404
        children = _children(process.pid)
        assert len(children) == 2  # one server, one worker, no reloader processes
        grandchildren = [pid for child in children for pid in _children(child)]
        assert grandchildren == []

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for child in children:
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)

    log.seek(0)
    output = log.read().decode()
    assert output.count('"GET /accounts/login/ HTTP/1.1" 200') == 1, output
    assert output.count("Not Found: /no-such-page/") == 1, output
    assert output.count("Starting worker") == 1, output
    assert "Stopped the site and the worker." in output
