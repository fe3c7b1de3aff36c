"""``manage.py rollups rebuild | drain | verify``: the operator's handles on the dashboard tables."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from dashboards import rollups
from dashboards.models import DirtyMark
from quotas.organisation import org_time_zone


class Command(BaseCommand):
    help = (
        "rebuild: recompute every dashboard table from scratch (with a progress bar); "
        "drain: recompute the keys marked dirty; "
        "verify: recompute into memory, print every difference from the stored rows, exit 1 if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("rebuild", "drain", "verify"))

    def handle(self, *args, action: str, **options):
        # Local days and period edges follow the organisation's time zone, as in requests and tasks.
        timezone.activate(org_time_zone())
        if action == "rebuild":
            with tqdm(total=1, desc="Rebuilding rollups", unit="step", file=self.stderr._out) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                rollups.rebuild(progress=progress)
            self.stdout.write(self.style.SUCCESS("Rollups rebuilt."))
        elif action == "drain":
            cleared = rollups.drain()
            self.stdout.write(self.style.SUCCESS(f"Drained {cleared} dirty marks."))
            # Keys whose refresh failed wait for a later drain; an operator sees which and why.
            failed = DirtyMark.objects.failed().order_by("pk")
            for mark in failed:
                self.stderr.write(
                    f"Set aside: {mark.scope} rep {mark.rep_id} day {mark.day} quota {mark.quota_id}"
                    f" ({mark.attempts} attempts, next {mark.retry_at:%Y-%m-%d %H:%M}): {mark.error}"
                )
        else:
            differences = rollups.verify()
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(f"{len(differences)} rollup rows differ from a fresh recompute.")
            self.stdout.write(self.style.SUCCESS("Rollups match a fresh recompute."))
