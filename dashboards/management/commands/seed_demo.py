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
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Role, Team, Territory, User
from activities.models import Activity
from dashboards.demo.activities import seed_activity_demo
from dashboards.demo.forecast import seed_forecast_calls
from dashboards.demo.pipeline import seed_pipeline_demo
from dashboards.demo.quotas import seed_quota_demo
from pipeline.models import Deal
from portfolio.demo import seed_coverage_demo
from trends.demo import seed_earlier_year

DEMO_PASSWORD = "demo"

TERRITORIES = ["Northeast", "Southeast", "Midwest", "West Coast"]

# (username, first name, last name, role, team, territory)
PEOPLE = [
    ("admin", "Ada", "Admin", Role.ADMIN, None, None),
    ("director", "Dana", "Director", Role.MANAGER, None, None),
    ("manager", "Morgan", "Lee", Role.MANAGER, None, None),
    ("manager2", "Priya", "Shah", Role.MANAGER, None, None),
    ("rep", "Alex", "Rivera", Role.REP, "Enterprise East", "Northeast"),
    ("sam", "Sam", "Okafor", Role.REP, "Enterprise East", "Northeast"),
    ("jordan", "Jordan", "Kim", Role.REP, "Enterprise East", "Southeast"),
    ("taylor", "Taylor", "Nguyen", Role.REP, "Enterprise East", "Southeast"),
    ("casey", "Casey", "Müller", Role.REP, "Mid-Market West", "West Coast"),
    ("riley", "Riley", "Santos", Role.REP, "Mid-Market West", "West Coast"),
    ("jamie", "Jamie", "Cohen", Role.REP, "Mid-Market West", "Midwest"),
    ("drew", "Drew", "Patel", Role.REP, "Mid-Market West", "Midwest"),
]

# (team, manager username, parent team)
TEAMS = [
    ("North America Sales", "director", None),
    ("Enterprise East", "manager", "North America Sales"),
    ("Mid-Market West", "manager2", "North America Sales"),
]


class Command(BaseCommand):
    help = _("Create the demo organisation (development only).")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help=_("Wipe the database and seed the demo again."))

    def handle(self, *args, reset: bool, **options):
        if not settings.DEBUG:
            raise CommandError(_("seed_demo only runs with DEBUG on; it never touches a production database."))
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if User.objects.filter(username="admin").exists():
            self.stdout.write(_("The demo organisation is already there; nothing changed."))
        else:
            with quiet_task_logs():
                seed_demo_organisation()
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
def seed_demo_organisation() -> None:
    territories = {name: services.territory_save(territory=Territory(name=name)) for name in TERRITORIES}
    users = {}
    for username, first, last, role, _team, territory in PEOPLE:
        users[username] = services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example",
            territory=territories.get(territory),
        )
    teams: dict[str, Team] = {}
    for name, manager, parent in TEAMS:
        teams[name] = services.team_save(team=Team(name=name, manager=users[manager], parent=teams.get(parent)))
    for username, *_names, team, _territory in PEOPLE:
        if team:
            users[username].team = teams[team]
            services.user_update(user=users[username])
    # A fixed seed: every developer sees the same demo stories.
    rng = random.Random(2026)
    seed_pipeline_demo(users=users, rng=rng)
    seed_activity_demo(users=users, rng=rng)
    seed_coverage_demo(users=users)
    seed_quota_demo(users=users)
    # After the deals and activity it must leave as they are; before the calls, whose roll-ups count its wins.
    seed_earlier_year()
    seed_forecast_calls(users=users)


def logins_text() -> str:
    lines = [_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}]
    for username, first, last, role, team, _territory in PEOPLE:
        where = f", {team}" if team else ""
        lines.append(f"  {username:<10} {first} {last} — {Role(role).label}{where}")
    return "\n".join(lines)
