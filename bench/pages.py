"""Pages: which page each signed-in client opens, SQL queries per page (in-process), and
the pages under load from signed-in clients (``loadgen``)."""

from __future__ import annotations

import time

from bench import loadgen
from bench.generate_people import PASSWORD
from bench.measure import ms, people

# (key, label, who opens it, how to find its URL)
PAGES = [
    ("my_week", "rep home (my week)", "rep", "dashboards:my_week"),
    ("team", "team dashboard", "manager", "dashboards:team"),
    ("one_on_one", "one-on-one", "manager", "one_on_one"),
    ("board", "kanban board", "rep", "pipeline:pipeline_board"),
    ("activities", "activity list", "rep", "activities:list"),
    # A manager's: their team's reps rolled up, with the team's calls.
    ("forecast", "forecast page", "manager", "forecast:page"),
    # A manager's team: a closed month against a year earlier, and its customers' revenue retention.
    ("growth", "growth and retention", "manager", "trends:growth"),
    ("coverage", "account coverage", "manager", "portfolio:team"),
    # A manager's: their teams' calls of the last 90 days by the prospect's weekday and hour.
    ("best_time", "best time to reach prospects", "manager", "insights:best_time"),
]
LOG = ("log", "log an activity (POST)", "rep", "activities:log")


def _url_for(name: str, user, team_rep=None) -> str | None:
    """The page's URL for ``user``, or None when the app has no such page (yet)."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    from pipeline.models import Pipeline

    if name == "one_on_one":
        names = sorted(n for n in get_resolver().reverse_dict if isinstance(n, str) and "one_on_one" in n) + sorted(
            f"{ns}:{n}"
            for ns, (_prefix, resolver) in get_resolver().namespace_dict.items()
            for n in resolver.reverse_dict
            if isinstance(n, str) and "one_on_one" in n
        )
        for candidate in sorted(names, key=lambda n: n != "dashboards:one_on_one"):
            for args in ([team_rep.pk], [team_rep.username]) if team_rep else ([],):
                try:
                    return reverse(candidate, args=args)
                except NoReverseMatch:
                    continue
        return None
    try:
        if name == "pipeline:pipeline_board":
            pipeline = Pipeline.objects.filter(is_active=True).order_by("name").first()
            return reverse(name, args=[pipeline.pk]) if pipeline else None
        return reverse(name)
    except NoReverseMatch:
        return None


def _team_rep(manager, reps):
    from accounts.models import Team

    team_ids = Team.managed_team_ids(manager)
    return next((r for r in reps if r.team_id in team_ids), None)


def page_plan(clients: int) -> list[dict]:
    """Each page with, per client, who signs in and the URL they open (None: missing)."""
    reps, managers = people()
    plan = []
    for key, label, role, name in [*PAGES, LOG]:
        visitors = reps if role == "rep" else managers
        visits = []
        for number in range(clients):
            user = visitors[number % len(visitors)]
            url = _url_for(name, user, _team_rep(user, reps) if role == "manager" else None)
            visits.append((user.username, url))
        plan.append({"key": key, "label": label, "role": role, "visits": visits})
    return plan


LOG_FORM = {"kind": "call", "outcome": "connected", "duration_minutes": "5", "who": "", "notes": "bench"}


def count_queries(plan: list[dict]) -> dict:
    """SQL queries per page for its first visitor, on a warm second request (in-process),
    and on a cold one: after the organisation's figure version moved, as after any
    change, so the dashboards' cached figures are computed afresh."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from dashboards import figure_cache

    counts = {}
    for page in plan:
        username, url = page["visits"][0]
        if url is None:
            counts[page["key"]] = {"queries": None, "status": "missing"}
            continue
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(User.objects.get(username=username))
        if page["key"] == "log":
            headers = {"HX-Request": "true"}
            client.post(url, LOG_FORM, headers=headers)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post(url, LOG_FORM, headers=headers)
                elapsed = time.perf_counter() - started
        else:
            client.get(url)
            figure_cache.bump_organisation()
            with CaptureQueriesContext(connection) as cold:
                started = time.perf_counter()
                client.get(url)
                cold_elapsed = time.perf_counter() - started
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            counts[page["key"]] = {"cold_queries": len(cold), "cold_in_process_ms": ms(cold_elapsed)}
        status = "missing" if response.status_code == 404 else response.status_code
        counts.setdefault(page["key"], {}).update(
            {"queries": len(queries), "status": status, "in_process_ms": ms(elapsed)}
        )
    return counts


def load_pages(base_url: str, plan: list[dict], *, seconds: float, queries: dict, think: float = 0.0) -> dict:
    """Every page under load from signed-in clients, then quick-log POSTs; ``think``: each
    client's pause between an answer and its next request (``loadgen.run``)."""
    sessions: dict[str, loadgen.Session] = {}

    def session_for(username: str, number: int) -> loadgen.Session:
        key = f"{username}#{number}"
        if key not in sessions:
            session = loadgen.Session(base_url)
            session.login(username, PASSWORD)
            sessions[key] = session
        return sessions[key]

    results = {}
    for page in plan:
        if any(url is None for _u, url in page["visits"]) or queries.get(page["key"], {}).get("status") == "missing":
            results[page["key"]] = {"status": "missing"}
            continue
        clients = [session_for(username, number) for number, (username, _url) in enumerate(page["visits"])]
        urls = {id(s): url for s, (_u, url) in zip(clients, page["visits"], strict=True)}
        if page["key"] == "log":

            def step(session, number, urls=urls):
                return (
                    "POST",
                    urls[id(session)],
                    LOG_FORM | {"csrfmiddlewaretoken": session.csrf_token()},
                    {"HX-Request": "true"},
                )

        else:

            def step(session, number, urls=urls):
                return "GET", urls[id(session)], None, None

        result = loadgen.run(page["label"], clients, step, seconds=seconds, think=think)
        results[page["key"]] = result.summary()
    for session in sessions.values():
        session.close()
    return results
