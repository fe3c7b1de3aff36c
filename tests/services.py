"""Start real services for tests: a throwaway PostgreSQL, a redis-server and a
Celery worker, each on a free loopback port in a temporary folder.

Every one of them is required: when a program is not installed, the test
fails and says what to install (`.ci/run` installs all of them). A skipped
test would check nothing.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class ServiceUnavailable(Exception):
    """A program a real-service test needs is not installed."""


INSTALL_HINT = "install it (Debian: apt-get install redis-server chromium postgresql; .ci/run does this)"


def unavailable(reason: str):
    """A real service a test needs is missing: the test fails, saying what to install."""
    pytest.fail(f"{reason}: {INSTALL_HINT}", pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s")


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextmanager
def postgres_server():
    """Yield the URL of a fresh PostgreSQL cluster with fsync off; removed afterwards.

    PostgreSQL refuses to run as root, so as root the cluster runs as the
    ``postgres`` user.
    """
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise ServiceUnavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="salestracker-pg-"))
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(folder, "postgres", "postgres")

    def run(args: list[str]) -> None:
        command = args if not as_root else ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(args)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    # Throwaway data: durability settings off for speed.
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    try:
        run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        run([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", f"'{options}'", "start"])
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                ["su", "postgres", "-s", "/bin/sh", "-c", f"{pg_ctl} -D {data} -m immediate stop"]
                if as_root
                else [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server():
    """Yield the URL of a fresh redis-server that keeps nothing on disk."""
    with restartable_redis_server() as server:
        yield server.url()


class RestartableRedis:
    """A redis-server on a fixed port that can be stopped and started again, as in an outage.
    Nothing is kept on disk, so a restart comes back empty, as a Redis without persistence does."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="salestracker-redis-")
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(lambda: _redis_ping(self.port), "redis-server")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def restartable_redis_server():
    """Yield a started ``RestartableRedis``; stopped and removed afterwards."""
    binary = shutil.which("redis-server")
    if not binary:
        raise ServiceUnavailable("redis-server is not installed")
    server = RestartableRedis(binary)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@contextmanager
def hung_server():
    """Yield the port of a server that accepts connections and never answers, like a Redis
    stuck on a full disk: only timeouts end a call to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()


@contextmanager
def web_enqueues_to(broker_url: str, settings):
    """The web side as in production: this process's tasks go to ``broker_url`` instead of running
    in-process; put back afterwards. Celery reads Django's settings once, at its first use: its own
    values are saved before any setting changes, or a first read inside a test would save the test's
    values and leave every later test's refreshes queued with no worker."""
    from salestracker.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker_url
    app.conf.update(task_always_eager=False, broker_url=broker_url)
    _forget_broker_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_broker_connections(app)


def _forget_broker_connections(app) -> None:
    """kombu pools connections globally, per broker URL: drop them all rather than close one in
    place, which a pooled producer would still hold."""
    import kombu.pools

    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def celery_app_for(broker_url: str):
    """A Celery app with the project's settings (timeouts, acks) but talking to
    ``broker_url``: what the web process uses in production."""
    from celery import Celery

    app = Celery("salestracker", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    return app


@contextmanager
def celery_worker(*, redis_url: str, database_url: str | None, env: dict[str, str] | None = None):
    """Run a real Celery worker process against ``redis_url`` (and the test
    database, when given, and more environment from ``env``); yield the process
    once it answers a ping, with its log file as ``log_path``."""
    app = celery_app_for(redis_url)
    env = {**os.environ, "REDIS_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "0", **(env or {})}
    if database_url:
        env["DATABASE_URL"] = database_url
    folder = Path(tempfile.mkdtemp(prefix="salestracker-worker-"))
    log_path = folder / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "salestracker", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--hostname=test-worker@%h"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: process.poll() is None and bool(app.control.ping(timeout=0.5)), "the Celery worker", 60)
        process.log_path = log_path
        yield process
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}; worker log:\n{log_path.read_text()}") from exc
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
