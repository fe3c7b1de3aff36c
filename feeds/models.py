"""A rep's secret calendar feed, and what calendars need to see a meeting change: its revision.

The feed's address carries the secret, since calendar apps cannot sign in; the person sees it
on their feed page whenever they need it again, and resets it when it leaks.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class FeedToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token", verbose_name=_("user")
    )
    secret = models.CharField(max_length=64, unique=True, default=new_secret)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class EventRevision(models.Model):
    """How many times an activity was saved, and when last: the feed's SEQUENCE and LAST-MODIFIED,
    so a calendar replaces its copy of a changed meeting. Activities keep no such column of their own."""

    activity = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, primary_key=True, related_name="+")
    sequence = models.PositiveIntegerField(default=0)
    modified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event revision")
        verbose_name_plural = _("event revisions")

    def __str__(self):
        return f"{self.activity_id} #{self.sequence}"
