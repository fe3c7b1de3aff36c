"""Errors as RFC 9457 problem details: ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail``, and for bad input an ``errors`` list of ``{"pointer", "detail"}``,
one per field (a JSON pointer into the body, or the query parameter's name)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

CONTENT_TYPE = "application/problem+json"
# "about:blank" would do; a stable URI per kind lets a client branch on it without parsing titles.
TYPE_BASE = "/api/v1/problems/"


class Problem(Exception):
    """Raised by an endpoint (or its auth) to answer with a problem document."""

    def __init__(self, status: int, kind: str, title: str, detail: str = "", *, errors=None, headers=None):
        super().__init__(detail or title)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(request, problem: Problem) -> JsonResponse:
    body = {"type": TYPE_BASE + problem.kind, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    body["instance"] = request.path
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=problem.status, content_type=CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def invalid(errors: list[dict], detail: str = "") -> Problem:
    return Problem(
        422,
        "invalid",
        _("Some values are not valid; nothing was written."),
        detail,
        errors=errors,
    )


def field_errors(error: DjangoValidationError, names: dict[str, str] | None = None) -> list[dict]:
    """A service's or a form's ValidationError as problem ``errors``; ``names`` maps a model field
    to the API's name for it (``deal`` -> ``deal_id``)."""
    names = names or {}
    if not hasattr(error, "error_dict"):
        return [{"pointer": "#/", "detail": message} for message in error.messages]
    return [
        {"pointer": _pointer(names.get(field, field)), "detail": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def _pointer(field: str) -> str:
    return "#/" if field == "__all__" else f"#/{field}"


def _location(loc) -> str:
    """ninja's error location (("body", "payload", "kind") or ("query", "page")) as a pointer."""
    where, *rest = loc
    if where == "body" and rest:
        rest = rest[1:]  # the payload argument's name is no part of the document
    path = "/".join(str(part) for part in rest)
    return f"#/{path}" if where == "body" else path


# Pydantic's messages are English only: the common ones are said here, in words that translate.
PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not known; check its spelling."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "greater_than_equal": gettext_lazy("Enter %(ge)s or more."),
    "less_than_equal": gettext_lazy("Enter %(le)s or less."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_type": gettext_lazy("Enter text."),
    "datetime_parsing": gettext_lazy("Enter a date and time such as 2026-12-05T14:03:00Z."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time such as 2026-12-05T14:03:00Z."),
    "datetime_type": gettext_lazy("Enter a date and time such as 2026-12-05T14:03:00Z."),
    "date_parsing": gettext_lazy("Enter a date such as 2026-12-05."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date such as 2026-12-05."),
    "date_type": gettext_lazy("Enter a date such as 2026-12-05."),
}


def _message(error: dict) -> str:
    message = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if message is None:
        return error.get("msg", "")
    try:
        return str(message) % error.get("ctx", {})
    except (KeyError, TypeError):
        return error.get("msg", "")


def _validation(request, exc: NinjaValidationError):
    errors = [{"pointer": _location(e.get("loc", ("body",))), "detail": _message(e)} for e in exc.errors]
    return problem_response(request, invalid(errors))


def _http_error(request, exc: HttpError):
    if isinstance(exc, AuthenticationError):
        return problem_response(request, unauthorized())
    if exc.status_code == 400:  # ninja's only 400: a body that is not JSON
        return problem_response(request, Problem(400, "bad-request", _("The body is not valid JSON.")))
    return problem_response(request, Problem(exc.status_code, "error", str(exc)))


def _not_found(request, exc):
    return problem_response(
        request, Problem(404, "not-found", _("Not found."), _("There is no such record, or you may not see it."))
    )


def _django_validation(request, exc: DjangoValidationError):
    return problem_response(request, invalid(field_errors(exc)))


def unauthorized(detail: str = "") -> Problem:
    return Problem(
        401,
        "unauthorized",
        _("A valid API token is needed."),
        detail or _("Send it as “Authorization: Bearer <token>”; create one under your name → API tokens."),
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


def install(api) -> None:
    api.add_exception_handler(Problem, lambda request, exc: problem_response(request, exc))
    api.add_exception_handler(NinjaValidationError, _validation)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(DjangoValidationError, _django_validation)
