"""The records a pipeline import names by a column: where ``prepare`` puts them, and the two refusals
(none or several match), so each message is written once for every kind that reads the column."""

from django.utils.translation import gettext_lazy as _

from salestracker.csvimport import Named

TERRITORY = Named(
    "territories", _("No active territory is called “%(name)s”."), _("Several territories are called “%(name)s”.")
)
COMPANY = Named(
    "companies",
    _("No company is called “%(name)s”; import or add it first."),
    _("Several companies are called “%(name)s”; rename them apart first."),
)
LEAD_SOURCE = Named(
    "lead_sources", _("No active lead source is called “%(name)s”."), _("Several lead sources are called “%(name)s”.")
)
PIPELINE = Named(
    "pipelines", _("No active pipeline is called “%(name)s”."), _("Several pipelines are called “%(name)s”.")
)
LOST_REASON = Named(
    "lost_reasons", _("No active lost reason is called “%(name)s”."), _("Several lost reasons are called “%(name)s”.")
)
COMPETITOR = Named(
    "competitors", _("No active competitor is called “%(name)s”."), _("Several competitors are called “%(name)s”.")
)
