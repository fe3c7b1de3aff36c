"""In the parent: the figures checked against the targets and printed as a table."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from bench.measure import SINGLE_WRITES
from bench.pages import LOG, PAGES

TARGETS = {
    "rebuild_ratio": 3.0,  # rebuild within 3x of the raw GROUP BY floor
    "refresh_one_ms": 50.0,  # refresh after one write
    "page_p95_ms": 150.0,  # every page, 10 concurrent clients, zero errors
    "log_p95_ms": 100.0,  # logging an activity
}


def check_targets(report: dict) -> list[tuple[str, str, bool | None]]:
    """(what, measured, met) for every target; None when not measured."""
    checks = []
    ratio = report.get("rebuild", {}).get("ratio")
    checks.append(("rebuild within 3x of the floor", f"{ratio}x", ratio is not None and ratio <= 3.0))
    refresh = report.get("refresh", {})
    for key, label in (("one_activity_ms", "activity"), ("one_move_ms", "deal move")):
        value = refresh.get(key)
        checks.append(
            (f"refresh after one write ({label}) < 50 ms", f"{value} ms", None if value is None else value < 50)
        )
    for run_key, how in _load_runs(report):
        for key, label, _role, _name in [*PAGES, LOG]:
            page = report[run_key].get(key)
            limit = TARGETS["log_p95_ms"] if key == "log" else TARGETS["page_p95_ms"]
            what = f"{label} ({how}): p95 < {limit:g} ms, no errors"
            if not page or page.get("status") == "missing":
                checks.append((what, "missing", None))
                continue
            met = page["p95_ms"] is not None and page["p95_ms"] < limit and page["errors"] == 0
            checks.append((what, f"{page['p95_ms']} ms, {page['errors']} errors", met))
    return checks


def _load_runs(report: dict) -> list[tuple[str, str]]:
    """The load runs in ``report``: (its key, how the clients behaved)."""
    runs = []
    if report.get("pages_users"):
        runs.append(("pages_users", f"{report.get('think', 1):g} s think time"))
    if report.get("pages"):
        runs.append(("pages", "saturated, no think time"))
    return runs


def _page_table(report: dict, pages: dict) -> list[str]:
    """One load run's figures, a line per page."""
    lines = [
        f"   {'page':<26}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'requests':>9}{'errors':>7}"
    ]
    for key, label, _role, _name in [*PAGES, LOG]:
        q = report.get("queries", {}).get(key, {})
        p = pages.get(key, {})
        if q.get("status") == "missing" or p.get("status") == "missing":
            lines.append(f"   {label:<26}{'missing':>8}")
            continue

        def cell(value, width):
            return f"{'-' if value is None else value:>{width}}"

        lines.append(
            f"   {label:<26}{cell(q.get('queries'), 8)}{cell(p.get('p50_ms'), 9)}{cell(p.get('p95_ms'), 9)}"
            f"{cell(p.get('p99_ms'), 9)}{cell(p.get('throughput_rps'), 8)}{cell(p.get('requests'), 9)}"
            f"{cell(p.get('errors'), 7)}"
        )
        if p.get("first_error"):
            lines.append(f"      first error: {p['first_error']}")
    return lines


def render(report: dict) -> str:
    """The human table for one database."""
    rows = report.get("rows", {})
    lines = [
        f"== {report['database']}: {report['reps']} reps x {report['years']:g} years — "
        f"{rows.get('activities', 0):,} activities, {rows.get('deals', 0):,} deals, "
        f"{rows.get('stage_changes', 0):,} stage changes (generated in {rows.get('generate_seconds')} s)"
    ]
    lines += _rebuild_lines(report)
    lines += _refresh_lines(report.get("refresh", {}))
    lines += _pages_lines(report)
    lines.append("")
    lines.append("Targets")
    for what, measured, met in check_targets(report):
        mark = "n/a " if met is None else "PASS" if met else "MISS"
        lines.append(f"   [{mark}] {what:<52} {measured}")
    return "\n".join(lines)


def _rebuild_lines(report: dict) -> list[str]:
    rebuild = report.get("rebuild", {})
    lines = ["", "1. Full rebuild against the raw GROUP BY floor"]
    for label, seconds in rebuild.get("floor", {}).items():
        lines.append(f"   floor: {label:<46} {seconds:>9.3f} s")
    lines.append(f"   floor total {'':<46} {rebuild.get('floor_seconds', 0):>9.3f} s")
    lines.append(f"   rollups.rebuild() {'':<40} {rebuild.get('rebuild_seconds', 0):>9.3f} s")
    lines.append(f"   ratio {'':<52} {rebuild.get('ratio')}x  (first rebuild: {report.get('first_rebuild_seconds')} s)")
    return lines


def _refresh_lines(r: dict) -> list[str]:
    lines = ["", "2. Incremental refresh (rollups.drain())"]
    for key, label in (("one_activity", "after 1 activity logged"), ("one_move", "after 1 deal moved")):
        lines.append(
            f"   {label:<30} {r.get(f'{key}_ms')} ms median, p95 {r.get(f'{key}_p95_ms')} ms,"
            f" max {r.get(f'{key}_max_ms')} ms ({SINGLE_WRITES} writes)"
        )
    lines.append(
        f"   after {r.get('batch_writes')} writes ({r.get('batch_marks')} marks)  {r.get('batch_drain_ms')} ms"
        f" ({r.get('batch_drain_per_write_ms')} ms per write)"
    )
    lines.append(f"   one activity_log() in-process  {r.get('write_in_process_ms')} ms (marks included, no refresh)")
    return lines


def _pages_lines(report: dict) -> list[str]:
    lines = [
        "",
        f"3./4. Pages: {report.get('clients', '-')} clients, gunicorn {report.get('workers', '-')} workers,"
        f" closed loop, CONN_MAX_AGE {report.get('conn_max_age', '-')}",
    ]
    mode = report.get("refresh_mode")
    if mode:
        how = "Celery worker via Redis (asynchronous)" if mode == "celery" else "eager, inside each write's request"
        lines.append(f"   rollup refresh: {how} — {report.get('refresh_mode_note')}")
    catch_up = report.get("refresh_catch_up")
    if catch_up:
        lines.append(
            f"   after the POSTs: {catch_up['marks_pending']} dirty marks pending, cleared by the worker in"
            f" {catch_up['seconds']} s ({catch_up['marks_left']} left)"
        )
    for run_key, how in _load_runs(report):
        lines.append(f"   -- {how}")
        lines.extend(_page_table(report, report[run_key]))
    lines.append("   -- one request in-process: warm (the figures cached) and cold (after a change)")
    for key, label, _role, _name in PAGES:
        q = report.get("queries", {}).get(key, {})
        if "cold_queries" in q:
            lines.append(
                f"   {label:<26} warm {q['in_process_ms']:>7} ms, {q['queries']:>3} queries;"
                f" cold {q['cold_in_process_ms']:>7} ms, {q['cold_queries']:>3} queries"
            )
    return lines


def machine() -> dict:
    import platform

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).date().isoformat(),
    }
