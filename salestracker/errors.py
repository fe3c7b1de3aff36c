"""Our own 404 page for an object the viewer may not see, also while DEBUG is on.

Every view answers 404 for another team's deal, contact or activity (never 403, which would tell
that it exists). With DEBUG on (the embedded default of ``make run``) Django would answer that 404
with its technical page, which lists every URL pattern of the site and names the view: a rep trying
a colleague's deal id would read the site's map. ``views_raise_styled_404`` turns an ``Http404``
raised by a view into ``templates/404.html`` whatever DEBUG says. An address that matches no URL
pattern never reaches a view: with DEBUG on it keeps Django's page, a developer's help for a typo.
"""

from django.http import Http404
from django.views.defaults import page_not_found


def views_raise_styled_404(get_response):
    def middleware(request):
        return get_response(request)

    def process_exception(request, exception):
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None

    middleware.process_exception = process_exception
    return middleware
