"""The organisation's currency as the pages show it beside every amount (docs/metrics.md "Display and
rounding"), cached like its time zone (``organisation.py``) so a page costs no query for it; saving the
settings forgets it at once."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import OrgSettings

CACHE_KEY = "org-currency"
# Another process re-reads the setting at least this often (seconds).
CACHE_SECONDS = 60


def org_currency() -> str:
    """The ISO code of the organisation's currency ("USD" until an admin sets another)."""
    code = cache.get(CACHE_KEY)
    if code is None:
        # A plain read: a page view never creates the settings row as a side effect.
        saved = OrgSettings.objects.filter(pk=1).values_list("currency", flat=True).first()
        code = saved or OrgSettings._meta.get_field("currency").default
        cache.set(CACHE_KEY, code, CACHE_SECONDS)
    return code


def forget_org_currency(instance=None, created=False, **kwargs) -> None:
    """Forget the cached code now (this transaction reads the new one) and again at the commit (a
    request that cached the old code meanwhile)."""
    if created and instance is not None and instance.currency == cache.get(CACHE_KEY):
        return  # the first read stores the default that applied already
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


post_save.connect(forget_org_currency, sender=OrgSettings, dispatch_uid="org-currency-forget")
post_delete.connect(forget_org_currency, sender=OrgSettings, dispatch_uid="org-currency-forget-delete")
