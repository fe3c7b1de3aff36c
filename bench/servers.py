"""The servers the load runs against: gunicorn with production settings, and how writes
refresh the rollups meanwhile (a real Redis and Celery worker, or eager)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench import loadgen

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def refresh_services(database_url: str, *, vendor: str, eager: bool = False):
    """How writes refresh the rollups while the pages are under load, as deployed.

    PostgreSQL: a real redis-server and a real Celery worker (one process, solo pool)
    on the same database, as in ``docker-compose.yml``; yields
    ``{"mode": "celery", "redis_url": ...}``. SQLite (the embedded default), ``eager``,
    or no redis-server installed: ``{"mode": "eager", "redis_url": "", "note": why}``."""
    from contextlib import ExitStack

    from tests.services import ServiceUnavailable, celery_worker, redis_server

    if vendor != "postgresql":
        yield {"mode": "eager", "redis_url": "", "note": "embedded default: no Redis, refresh inside the request"}
        return
    if eager:
        yield {"mode": "eager", "redis_url": "", "note": "--eager: no Redis, refresh inside the request"}
        return
    with ExitStack() as stack:
        try:
            redis_url = stack.enter_context(redis_server())
            stack.enter_context(celery_worker(redis_url=redis_url, database_url=database_url))
        except (ServiceUnavailable, RuntimeError) as exc:
            stack.close()
            note = f"fell back to eager (refresh inside the request): {str(exc).splitlines()[0]}"
            print(f"[bench] {note}", file=sys.stderr, flush=True)
            yield {"mode": "eager", "redis_url": "", "note": note}
            return
        yield {"mode": "celery", "redis_url": redis_url, "note": "Redis + one Celery worker (solo pool)"}


def wait_for_refresh(*, timeout: float = 300.0) -> dict:
    """After the load: how long until every dirty mark is cleared (the worker caught up)."""
    from dashboards.models import DirtyMark

    pending = DirtyMark.objects.count()
    started = time.monotonic()
    left = pending
    while left and time.monotonic() - started < timeout:
        time.sleep(0.2)
        left = DirtyMark.objects.count()
    return {"marks_pending": pending, "marks_left": left, "seconds": round(time.monotonic() - started, 2)}


@contextmanager
def gunicorn(database_url: str, *, workers: int, smoke: bool = False, redis_url: str = "", conn_max_age: int = 0):
    """gunicorn on loopback with production settings; yields its base URL.

    ``redis_url`` empty: Celery runs eagerly in the request (the embedded mode); set:
    a POST enqueues its refresh for the worker. ``smoke`` (the CI smoke test only) adds
    the test settings block: a fast password hasher and the plain static storage,
    which needs no collectstatic (~15 s)."""
    folder = Path(tempfile.mkdtemp(prefix="salestracker-bench-web-"))
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # As docker-compose.yml: with Redis, the cache is a Redis database of its own.
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1" if redis_url else "locmemcache://",
        "CONN_MAX_AGE": str(conn_max_age),
        "STATIC_ROOT": str(folder / "static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.pop("TESTING", None)
    if smoke:
        env["TESTING"] = "1"
    else:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    log = open(folder / "gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
    command = [sys.executable, "-m", "gunicorn", "salestracker.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(folder / 'gunicorn.log').read_text()}")
            try:
                status, _body, _s = loadgen.Session(base).request("GET", "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
