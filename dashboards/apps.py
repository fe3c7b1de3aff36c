from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from activities import selectors as activity_selectors

        from . import receivers
        from .selectors.activity_counts import activity_kind_totals

        receivers.connect()
        # The activity list counts by kind from the activity rollup (the domain app cannot import us).
        activity_selectors.kind_totals_counted_by(activity_kind_totals)
