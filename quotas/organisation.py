"""The organisation's settings as the rest of the code reads them: its time
zone (METRICS.md: "Dates are the organisation's time zone"), cached per
process so a page view costs no query."""

from django.core.cache import cache

from .models import OrgSettings

CACHE_KEY = "org-time-zone"
# Each process re-reads the setting at least this often (seconds); saving the
# settings clears this process's copy at once.
CACHE_SECONDS = 60


def org_time_zone() -> str:
    name = cache.get(CACHE_KEY)
    if name is None:
        # A plain read: a page view never creates the settings row as a side effect.
        saved = OrgSettings.objects.filter(pk=1).values_list("time_zone", flat=True).first()
        name = saved or OrgSettings._meta.get_field("time_zone").default
        cache.set(CACHE_KEY, name, CACHE_SECONDS)
    return name


def forget_org_time_zone() -> None:
    cache.delete(CACHE_KEY)
