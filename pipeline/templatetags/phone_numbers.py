from django import template

from pipeline.phones import phone_display as display

register = template.Library()


@register.filter
def phone_display(value) -> str:
    """A stored number as people read it ("+31 20 123 4567"); one kept unread by the migration as it is."""
    return display(str(value or ""))


@register.filter
def tel_url(value) -> str:
    """A ``tel:`` URL for a stored E.164 number, else "": a value the migration kept as it was
    (whatever someone typed) is shown, not dialled."""
    stored = str(value or "")
    return f"tel:{stored}" if stored.startswith("+") and stored[1:].isdigit() else ""
