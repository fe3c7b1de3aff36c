from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from activities import selectors as activity_selectors
        from quotas.signals import zone_change_requested

        from . import receivers, zone_change
        from .selectors.activity_counts import activity_kind_totals

        receivers.connect()
        # A time zone change saved in the settings starts its job here (quotas cannot import us).
        zone_change_requested.connect(
            zone_change.zone_change_enqueue, weak=False, dispatch_uid="dashboards-zone-change"
        )
        # The activity list counts by kind from the activity rollup (the domain app cannot import us).
        activity_selectors.kind_totals_counted_by(activity_kind_totals)
