"""The organisation's settings as the rest of the code reads them: its time
zone (METRICS.md: "Dates are the organisation's time zone") and its currency
(shown beside every amount), each cached so a page view costs no query for it."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import OrgSettings

CACHE_KEY = "org-time-zone"
CURRENCY_CACHE_KEY = "org-currency"
# Each process re-reads a setting at least this often (seconds); saving the
# settings clears the copies at once.
CACHE_SECONDS = 60


def _cached_setting(key: str, field: str) -> str:
    value = cache.get(key)
    if value is None:
        # A plain read: a page view never creates the settings row as a side effect.
        saved = OrgSettings.objects.filter(pk=1).values_list(field, flat=True).first()
        value = saved or OrgSettings._meta.get_field(field).default
        cache.set(key, value, CACHE_SECONDS)
    return value


def org_time_zone() -> str:
    return _cached_setting(CACHE_KEY, "time_zone")


def org_currency() -> str:
    """The ISO code of the organisation's currency ("USD" until an admin sets another)."""
    return _cached_setting(CURRENCY_CACHE_KEY, "currency")


def forget_org_time_zone() -> None:
    cache.delete(CACHE_KEY)


def forget_org_currency(instance=None, created=False, **kwargs) -> None:
    """Forget the cached code now (this transaction reads the new one) and again at the commit (a
    request that cached the old code meanwhile)."""
    if created and instance is not None and instance.currency == cache.get(CURRENCY_CACHE_KEY):
        return  # the first read stores the default that applied already
    cache.delete(CURRENCY_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CURRENCY_CACHE_KEY))


post_save.connect(forget_org_currency, sender=OrgSettings, dispatch_uid="org-currency-forget")
post_delete.connect(forget_org_currency, sender=OrgSettings, dispatch_uid="org-currency-forget-delete")
