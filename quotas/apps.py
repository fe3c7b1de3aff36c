from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("Quotas and goals")

    def ready(self):
        from celery.signals import task_postrun, task_prerun
        from django.utils import timezone

        # Importing organisation also connects the receivers that forget the cached currency on a save.
        from .organisation import org_time_zone

        # Celery tasks run outside any request: give them the organisation's time zone too.
        def activate(**kwargs):
            timezone.activate(org_time_zone())

        def deactivate(**kwargs):
            timezone.deactivate()

        task_prerun.connect(activate, weak=False, dispatch_uid="org-time-zone-activate")
        task_postrun.connect(deactivate, weak=False, dispatch_uid="org-time-zone-deactivate")
