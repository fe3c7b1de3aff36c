"""A small, bounded HTTP load generator: signed-in clients in threads, each on its
own keep-alive connection, hitting one URL for a fixed time (or a fixed number of
requests), with latency percentiles, throughput and errors.

Closed loop. Without think time each client sends its next request as soon as the
previous answer arrived, so ``clients`` is the number of requests in flight and
the figures are those of a server kept saturated (latency is then about clients x
service time / cores, whatever the page). With ``think`` seconds, each client waits
a random 0.5 to 1.5 x ``think`` between an answer and its next request, as a person
reading the page does (locust's ``between``): the figures are those ``clients``
people working at once would see. Only the standard library.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoginFailed(Exception):
    pass


class Session:
    """One browser: a keep-alive connection to the server and its cookies.

    ``https_proxy`` sends ``X-Forwarded-Proto: https`` as the TLS-terminating proxy
    in front of production does, so the app runs exactly as it would there
    (secure cookies, no redirect to HTTPS, Referer checked on POST).
    """

    def __init__(self, base_url: str, *, https_proxy: bool = True, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.origin = f"{'https' if https_proxy else 'http'}://{parts.netloc}"
        self.https_proxy = https_proxy
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None):
        """Send one request; return (status, body, seconds). Reconnects once on a dropped keep-alive."""
        body = urlencode(form).encode() if form is not None else None
        sent = {"Host": f"{self.host}:{self.port}", "Accept": "text/html", "User-Agent": "salestracker-bench"}
        if self.https_proxy:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = self.origin + path
            sent["Origin"] = self.origin
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        sent.update(headers or {})
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, content, elapsed
        raise AssertionError("unreachable")

    def login(self, username: str, password: str, *, path: str = "/accounts/login/") -> None:
        """Sign in through the login form, as a person does; raise LoginFailed otherwise."""
        status, content, _ = self.request("GET", path)
        match = _CSRF_INPUT.search(content)
        if status != 200 or not match:
            raise LoginFailed(f"{username}: the login page answered {status}")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode()}
        status, content, _ = self.request("POST", path, form=form)
        if status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"{username}: signing in answered {status}")

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")


@dataclass
class Result:
    """What one load run measured: latencies in seconds, per-status counts, errors."""

    name: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    first_error: str = ""
    exceptions: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.exceptions

    def percentile(self, share: float) -> float | None:
        """Nearest-rank percentile in milliseconds; None without a request."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        rank = max(int(-(-share * len(ordered) // 1)), 1)  # ceil(share * n), at least 1
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def record(self, method: str, path: str, status: int, elapsed: float, expect: tuple[int, ...]) -> None:
        """One answer; a status outside ``expect`` is an error. Call under the run's lock."""
        self.latencies.append(elapsed)
        self.statuses[status] += 1
        if status not in expect:
            self.errors += 1
            self.first_error = self.first_error or f"{method} {path}: HTTP {status}"

    def record_failure(self, method: str, path: str, error: OSError) -> None:
        """A request that got no answer (a network error). Call under the run's lock."""
        self.exceptions += 1
        self.errors += 1
        self.first_error = self.first_error or f"{method} {path}: {error!r}"

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "p50_ms": _round(self.percentile(0.50)),
            "p95_ms": _round(self.percentile(0.95)),
            "p99_ms": _round(self.percentile(0.99)),
            "max_ms": _round(max(self.latencies) * 1000 if self.latencies else None),
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "seconds": round(self.seconds, 2),
            "first_error": self.first_error,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# What a client sends next: (method, path, form or None, extra headers or None).
Step = tuple[str, str, dict | None, dict | None]


def run(
    name: str,
    sessions: list[Session],
    step: Callable[[Session, int], Step],
    *,
    seconds: float = 10.0,
    max_requests: int | None = None,
    warmup: int = 2,
    expect: tuple[int, ...] = (200,),
    think: float = 0.0,
    seed: int = 1,
) -> Result:
    """Drive ``step`` from every session at once for ``seconds`` (or ``max_requests`` each).

    Each session first sends ``warmup`` unmeasured requests. A status outside
    ``expect`` or a network error counts as an error (a redirect to the login page
    is one: the session was lost). ``think`` > 0: each client pauses a random 0.5 to
    1.5 x ``think`` seconds after each answer (seeded, the same pauses on every run).
    """
    result = Result(name=name, clients=len(sessions))
    lock = threading.Lock()
    clock = [0.0, 0.0]  # started, deadline: set once every client has warmed up

    def start_clock() -> None:
        clock[0] = time.perf_counter()
        clock[1] = clock[0] + seconds

    ready = threading.Barrier(len(sessions) + 1, action=start_clock)

    def client(session: Session, pauses: random.Random) -> None:
        _warm_up(session, step, warmup)
        ready.wait()
        count = 0
        while time.perf_counter() < clock[1] and (max_requests is None or count < max_requests):
            method, path, form, headers = step(session, count)
            count += 1
            try:
                status, _content, elapsed = session.request(method, path, form=form, headers=headers)
            except OSError as error:
                session.close()
                with lock:
                    result.record_failure(method, path, error)
                continue
            with lock:
                result.record(method, path, status, elapsed, expect)
            if think > 0:
                time.sleep(min(think * pauses.uniform(0.5, 1.5), max(clock[1] - time.perf_counter(), 0.0)))

    threads = [
        threading.Thread(target=client, args=(s, random.Random(seed * 1000 + n)), daemon=True)
        for n, s in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join(seconds + 120)
    result.seconds = time.perf_counter() - clock[0]
    return result


def _warm_up(session: Session, step: Callable[[Session, int], Step], warmup: int) -> None:
    """``warmup`` unmeasured requests (numbered -1, -2, ...)."""
    for number in range(warmup):
        method, path, form, headers = step(session, -1 - number)
        try:
            session.request(method, path, form=form, headers=headers)
        except OSError:
            session.close()


def get(path: str) -> Callable[[Session, int], Step]:
    """A step that GETs the same page every time."""
    return lambda session, number: ("GET", path, None, None)
