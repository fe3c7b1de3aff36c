"""A signed-in person reads the product in the language they chose in the menu, on every device
they sign in from; without a choice, LocaleMiddleware's cookie or browser language stands."""

from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request.user, "language", "")
        if language and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
