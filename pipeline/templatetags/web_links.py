from django import template

register = template.Library()


@register.filter
def http_url(value) -> str:
    """``value`` if it is an http(s) URL, else "". A stored website becomes a link only through
    this: rows written by an import, Django admin or the database directly may hold any
    scheme, and a ``javascript:`` href runs script when clicked. A URL that starts with the
    scheme itself is read by every browser as that scheme, whatever follows."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""
