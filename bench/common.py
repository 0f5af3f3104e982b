"""What every benchmark shares: figures, temp databases, child processes, memory, sign-in.

Django is configured once per process, and the benchmarks need different databases (SQLite
and PostgreSQL, a fresh one each). So `run()` of a benchmark never imports Django itself:
it prepares databases and servers here, then runs its Django half in a child process
(`python -m bench.<name> --inner …`) that prints its figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
STANDIN_KEY = "bench-standin-key"  # the only key the stand-in accepts
RESULT_MARK = "BENCH-RESULT "


@dataclass(frozen=True)
class Target:
    """What a figure should be: `op` is one of <, ≤, =, ≥, > and `bound` is in the
    figure's unit."""

    op: str
    bound: float

    def met(self, value: float) -> bool:
        return {
            "<": value < self.bound,
            "≤": value <= self.bound,
            "=": value == self.bound,
            "≥": value >= self.bound,
            ">": value > self.bound,
        }[self.op]

    def shown(self, unit: str) -> str:
        bound = f"{self.bound:,g}"
        if self.op == "=":
            return f"{bound} {unit}".strip()
        return f"{self.op} {bound} {unit}".strip()


def below(bound: float) -> Target:
    return Target("<", bound)


def at_most(bound: float) -> Target:
    return Target("≤", bound)


def exactly(bound: float) -> Target:
    return Target("=", bound)


def at_least(bound: float) -> Target:
    return Target("≥", bound)


@dataclass
class Figure:
    """One row of the table. The verdict is computed from the value against the target:
    `yes` or `no`, blank without a target. A figure with a target must have a number (or
    None: not measured, which fails its target)."""

    name: str  # what it measures
    value: float | int | str | None
    unit: str = ""
    target: Target | None = None
    detail: str = ""  # shown after the value in brackets, e.g. "2,624 of 2,625"
    digits: int | None = None  # decimals shown; None: by size

    def __post_init__(self) -> None:
        if isinstance(self.target, dict):  # from a child process's JSON
            self.target = Target(**self.target)
        if self.target is not None and isinstance(self.value, (str, bool)):
            raise TypeError(f"{self.name!r}: a figure with a target needs a number")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "yes" if self.value is not None and self.target.met(self.value) else "no"

    @property
    def target_shown(self) -> str:
        return self.target.shown(self.unit) if self.target is not None else ""

    def shown(self) -> str:
        value = self.value
        if value is None:
            text = "not measured"
        elif isinstance(value, str):
            text = value
        elif self.digits is not None:
            text = f"{value:,.{self.digits}f}"
        elif isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
            text = f"{int(value):,}"
        elif abs(value) >= 100:
            text = f"{value:,.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
        text = f"{text} {self.unit}".strip() if value is not None else text
        return f"{text} ({self.detail})" if self.detail else text


def share(name: str, count: int, total: int, target: Target | None = None) -> Figure:
    """`count` of `total` as a percentage, with both counts shown."""
    value = 100 * count / total if total else None
    return Figure(name, value, "%", target, f"{count:,} of {total:,}", digits=2)


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks; `share` in 0..1."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


# --- Databases ------------------------------------------------------------------------------


@contextmanager
def temp_postgres(label: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this run; dropped afterwards, whatever happens."""
    import psycopg
    from psycopg import sql

    name = f"movieranking_bench_{os.getpid()}_{label}"
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    def admin(statement: str) -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(name)))

    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    admin("CREATE DATABASE {}")
    try:
        yield f"{base}/{name}"
    finally:
        admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def postgres_version() -> str:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0])


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a Django process: production settings over plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="movieranking.settings",
        PYTHONPATH=str(PROJECT),
        DEBUG="false",
        SECRET_KEY="bench",
        # testserver: the in-process test Client's host name.
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",  # plain HTTP: requests would not send Secure cookies back
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        TMDB_API_KEY="",  # never a real key from the caller's environment
        TMDB_READ_TOKEN="",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", "-v", "0")


def collectstatic(env: dict[str, str]) -> None:
    # Whitenoise's manifest storage (DEBUG off) refuses to render {% static %} without it.
    manage(env, "collectstatic", "--noinput", "-v", "0")


# --- The Django half of a benchmark, in a child process --------------------------------------


def run_child(module: str, args: list[str], env: dict[str, str], timeout: float):
    """Run `python -m <module> --inner <args>` and return the JSON it prints last."""
    result = subprocess.run(
        [PYTHON, "-m", module, "--inner", *args],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if result.returncode or not lines:
        raise RuntimeError(f"{module} --inner failed (exit {result.returncode})")
    return json.loads(lines[-1].removeprefix(RESULT_MARK))


def run_inner(module: str, args: list[str], env: dict[str, str], timeout: float) -> list[Figure]:
    """The figures a benchmark's Django half measured in its child process."""
    return [Figure(**data) for data in run_child(module, args, env, timeout)]


def inner_main(measure: Callable[[argparse.Namespace], object], parser) -> None:
    """Entry point of a child process: set Django up, run, print the result as JSON."""
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    result = measure(args)
    print(RESULT_MARK + json.dumps(result, default=asdict), flush=True)


def module_main(name: str, measure, parser: argparse.ArgumentParser) -> None:
    """`python -m bench.<name> [--quick]` runs this one benchmark and prints its table;
    with `--inner` it is the Django half, started by the benchmark's own `run()`."""
    if "--inner" in sys.argv[1:]:
        inner_main(measure, parser)
    else:
        from bench.__main__ import main

        main([name, *sys.argv[1:]])


# --- Child processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Servers started for one benchmark. Leaving the `with` block (or `stop_all()`) ends
    every one of them, and the children they forked such as gunicorn's workers, by process
    group id. Open it inside `temp_postgres` so the servers stop before their database goes."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen]] = []
        self.log_dir = Path(tempfile.mkdtemp(prefix="movieranking-bench-logs-"))

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log_file = (self.log_dir / f"{name}.log").open("w")
        process = subprocess.Popen(
            argv,
            cwd=PROJECT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
        )
        log_file.close()
        self.started.append((name, process))
        return process

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n{self.log_tail(name)}"
                )

    def stop_all(self) -> None:
        """SIGTERM (db_worker then finishes its task; gunicorn its requests), SIGKILL after
        10 s. Interrupted meanwhile (a second Ctrl-C), it kills at once rather than leave
        anything behind."""
        try:
            for _, process in reversed(self.started):
                _signal_group(process, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for _, process in reversed(self.started):
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            for _, process in self.started:
                _signal_group(process, signal.SIGKILL)  # the group: stragglers too
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
            self.started.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def wait_for_http(url: str, timeout: float = 30, processes: Processes | None = None) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes is not None:
            processes.check_alive()
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def start_standin(
    processes: Processes, *, latency: float, rate_limit: float, synthetic: int
) -> str:
    """The TMDB stand-in in its own process (so it does not share a GIL with the client),
    counting requests per query. Returns its root URL; the API is at
    <root>/3."""
    port = free_port()
    argv = [PYTHON, "-m", "tests.tmdb_standin", "--port", str(port), "--latency", str(latency)]
    argv += ["--rate-limit", str(rate_limit), "--synthetic", str(synthetic)]
    argv += ["--api-key", STANDIN_KEY]
    processes.start("standin", argv, dict(os.environ, PYTHONPATH=str(PROJECT)))
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/_standin/stats", processes=processes)
    return url


def standin_stats(url: str) -> dict:
    import requests

    return requests.get(f"{url}/_standin/stats", timeout=5).json()


def standin_queries(url: str) -> dict:
    """Requests per distinct search and per film's details (the stand-in's /_standin/queries)."""
    import requests

    answer = requests.get(f"{url}/_standin/queries", timeout=30)
    answer.raise_for_status()
    return answer.json()


def searches_per_title(queries: dict, titles: list[str]) -> dict[str, int]:
    """How many searches the rate limit let through for each title, whatever the year
    asked for; the query compared case- and space-insensitively."""

    def key(text: str) -> str:
        return " ".join(text.casefold().split())

    sent: dict[str, int] = {}
    for search in queries["search"]:
        sent[key(search["query"])] = sent.get(key(search["query"]), 0) + search["accepted"]
    return {title: sent.get(key(title), 0) for title in titles}


def standin_reset(url: str) -> None:
    import requests

    requests.post(f"{url}/_standin/reset", timeout=5).raise_for_status()


# --- Memory ---------------------------------------------------------------------------------


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident memory of a live process (VmHWM), in MB; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def child_pids(pid: int) -> list[int]:
    """Direct children of a process, from /proc/<pid>/task/*/children."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


# --- Signing in over HTTP -------------------------------------------------------------------


def sign_in(base_url: str, username: str, password: str):
    """A requests.Session signed in through the login form, with the CSRF header set."""
    import requests

    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=30)
    page.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"sign-in as {username} failed: HTTP {answer.status_code}")
    # Django rotates the CSRF token at sign-in: take the new one.
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def start_gunicorn(
    processes: Processes, env: dict[str, str], *, workers: int, threads: int = 1
) -> str:
    """gunicorn serving the site on a free loopback port. Returns its base URL."""
    port = free_port()
    argv = [PYTHON, "-m", "gunicorn", "movieranking.wsgi", "-b", f"127.0.0.1:{port}"]
    argv += ["-w", str(workers), "--threads", str(threads), "--timeout", "60"]
    argv += ["--graceful-timeout", "5", "--log-level", "warning"]
    processes.start("gunicorn", argv, env)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/healthz", timeout=60, processes=processes)
    return base
