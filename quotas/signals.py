"""Signals for other apps to follow the organisation's settings (``quotas`` never imports them)."""

from django.dispatch import Signal

# Sent after the commit of a time zone change (and of a retry of a failed one), with
# ``zone_change_id``: the ``ZoneChange`` whose job should now run. The dashboards start it.
zone_change_requested = Signal()
