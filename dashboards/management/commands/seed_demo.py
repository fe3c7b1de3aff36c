"""Seed the demo organisation used by `make run`.

Idempotent: when the demo organisation exists it changes nothing and only
prints the logins. `--reset` wipes the (development) database and seeds anew.
Refuses to run with DEBUG off, so it can never touch a production database.
Later features add their demo data in this same command. It lives in
dashboards because it fills every app, and only dashboards may import them all.
"""

import logging
import random
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Role, Team, Territory, User
from activities.models import Activity
from dashboards.demo.activities import seed_activity_demo
from dashboards.demo.forecast import seed_forecast_calls
from dashboards.demo.locales import LOCALES, DemoLocale
from dashboards.demo.pipeline import seed_pipeline_demo
from dashboards.demo.quotas import seed_quota_demo
from pipeline.models import Deal
from portfolio.demo import seed_coverage_demo
from trends.demo import seed_earlier_year

DEMO_PASSWORD = "demo"

# (username, role, team, territory): teams and territories by their keys, and every name in the
# demo's language, in dashboards/demo/locales.py.
PEOPLE = [
    ("admin", Role.ADMIN, None, None),
    ("director", Role.MANAGER, None, None),
    ("manager", Role.MANAGER, None, None),
    ("manager2", Role.MANAGER, None, None),
    ("rep", Role.REP, "east", "northeast"),
    ("sam", Role.REP, "east", "northeast"),
    ("jordan", Role.REP, "east", "southeast"),
    ("taylor", Role.REP, "east", "southeast"),
    ("casey", Role.REP, "west", "west_coast"),
    ("riley", Role.REP, "west", "west_coast"),
    ("jamie", Role.REP, "west", "midwest"),
    ("drew", Role.REP, "west", "midwest"),
]

# (team, manager username, parent team)
TEAMS = [
    ("department", "director", None),
    ("east", "manager", "department"),
    ("west", "manager2", "department"),
]


class Command(BaseCommand):
    help = _("Create the demo organisation (development only).")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help=_("Wipe the database and seed the demo again."))
        parser.add_argument(
            "--locale",
            choices=[code for code, _name in settings.LANGUAGES],
            default="en",
            help=_("The language of the demo's names, companies and words, and of its users (default: en)."),
        )

    def handle(self, *args, reset: bool, locale: str, **options):
        if not settings.DEBUG:
            raise CommandError(_("seed_demo only runs with DEBUG on; it never touches a production database."))
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        # In the demo's language throughout: the text the services write, and the lines printed.
        with translation.override(locale):
            if User.objects.filter(username="admin").exists():
                self.stdout.write(_("The demo organisation is already there; nothing changed."))
            else:
                with quiet_task_logs():
                    seed_demo_organisation(words=LOCALES[locale])
                self.stdout.write(self.style.SUCCESS(summary_text()))
            self.stdout.write(logins_text())


# Seeding runs the rollup refresh in-process (eager Celery), and each task would log a line of its
# own, as would kombu's warning that the in-memory broker has no host name: `make run` shows only the
# summary and the logins. The rollup engine's warnings still show.
QUIET_LOGGERS = {"celery.app.trace": logging.WARNING, "dashboards.rollups": logging.WARNING, "kombu": logging.ERROR}


@contextmanager
def quiet_task_logs():
    loggers = {logging.getLogger(name): level for name, level in QUIET_LOGGERS.items()}
    before = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)


def summary_text() -> str:
    """One line: what the demo organisation holds."""
    return _(
        "Seeded the demo organisation: %(people)d people in %(teams)d teams, "
        "%(deals)s deals, %(activities)s activities."
    ) % {
        "people": User.objects.count(),
        "teams": Team.objects.count(),
        "deals": f"{Deal.objects.count():,}",
        "activities": f"{Activity.objects.count():,}",
    }


@transaction.atomic
def seed_demo_organisation(*, words: DemoLocale) -> None:
    territories = {
        key: services.territory_save(territory=Territory(name=name)) for key, name in words.territories.items()
    }
    users = {}
    for username, role, _team, territory in PEOPLE:
        first, last = words.people[username]
        users[username] = services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example",
            territory=territories.get(territory),
            language=words.language,
        )
    teams: dict[str, Team] = {}
    for key, manager, parent in TEAMS:
        team = Team(name=words.teams[key], manager=users[manager], parent=teams.get(parent))
        teams[key] = services.team_save(team=team)
    for username, _role, team, _territory in PEOPLE:
        if team:
            users[username].team = teams[team]
            services.user_update(user=users[username])
    # A fixed seed: every developer sees the same demo stories (in every language: locales.py).
    rng = random.Random(2026)
    seed_pipeline_demo(users=users, rng=rng, words=words)
    seed_activity_demo(users=users, rng=rng, words=words)
    seed_coverage_demo(users=users)
    seed_quota_demo(users=users, words=words)
    # After the deals and activity it must leave as they are; before the calls, whose roll-ups count its wins.
    seed_earlier_year(words=words)
    seed_forecast_calls(users=users, words=words)


def logins_text() -> str:
    """The logins, with the names the demo was seeded with (in whichever language that was)."""
    lines = [_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}]
    users = User.objects.filter(username__in=[username for username, *_rest in PEOPLE]).select_related("team")
    by_username = {user.username: user for user in users}
    for username, role, _team, _territory in PEOPLE:
        user = by_username.get(username)
        if user is None:
            continue  # deleted since the demo was seeded
        where = f", {user.team.name}" if user.team else ""
        lines.append(f"  {username:<10} {user.get_full_name()} — {Role(role).label}{where}")
    return "\n".join(lines)
