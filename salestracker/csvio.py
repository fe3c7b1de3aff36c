"""CSV in and out for every app: an uploaded file's bytes read as text (``decode``), and the export
shared by every list: one streaming response, spreadsheet formula injection neutralised."""

import csv
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.http import StreamingHttpResponse

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def decimal_text(value: Decimal, places: int = 2) -> str:
    """A Decimal as every CSV writes it (docs/metrics.md "Display and rounding"): fixed point with
    ``places`` decimals, rounded half up, never an exponent (``str(Decimal("0E-28"))`` is "0E-28", what a
    sum of zeros times a rate reads as) and never "-0.00"."""
    number = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    if not number:
        number = abs(number)
    return f"{number:f}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        # Formatted already where the unit is known; one that arrives as it is, is money: two decimals.
        return decimal_text(value) if value.is_finite() else str(value)
    text = str(value)
    if isinstance(value, float) and "e" in text:
        return f"{Decimal(text):f}"
    return text


def safe_cell(value) -> str:
    """The value as text, prefixed with an apostrophe when a spreadsheet would run it as a formula."""
    text = _text(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(*, filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download; every cell goes through ``safe_cell``."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # BOM, so Excel opens UTF-8 correctly
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with a BOM, as spreadsheets save it;
    otherwise Windows-1252 (Excel's "CSV" on Windows) and finally Latin-1, which decodes anything."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
