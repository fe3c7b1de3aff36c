"""``{% submission_key %}``: the hidden one-time key of a create form (see accounts/submissions.py)."""

import secrets

from django import template
from django.utils.html import format_html

from accounts.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    """A new key at each rendering, so a form rendered again after a save is a new submission."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_urlsafe(16))
