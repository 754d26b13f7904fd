"""Reading an XLSX workbook without trusting it.

    with Workbook(path, limit) as book:           # Unreadable: the sentence after `file: `
        for title, rows in book.sheets():         # rows: tuples of cell values, streamed
            ...

Before anything is parsed, each part's unpacked size is read from the zip's directory: the parts
together may unpack to XLSX_UNPACKED times the input limit, each part to XLSX_RATIO times its
packed size, so that a sheet of whitespace (1.5 GB in a 1.5 MB file) is refused unread. (Python's
zipfile never unpacks more than the directory declares: a part that lies fails its CRC.) openpyxl
parses with defusedxml (a dependency) in place of the standard library's XML functions, which
refuses entity declarations: an entity bomb or a reference to another file. A damaged or cut-off
sheet ends its reading with Unreadable naming the sheet.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from itertools import zip_longest
from pathlib import Path
from typing import Self

from nervecenter.core import limits

MB = limits.MB
XML_PARTS_READ_WHOLE = MB  # workbook.xml and its relations, read here to name the sheets
# What a damaged part raises from inside openpyxl: the XML parser's ParseError (a SyntaxError),
# defusedxml's refusals (ValueErrors), the zip's CRC and inflate errors, a missing part.
DAMAGE = (SyntaxError, ValueError, KeyError, IndexError, TypeError, EOFError, OSError,
          zipfile.BadZipFile, zlib.error)
SAVE_AGAIN = "open it in Excel or LibreOffice and save it again"


class Unreadable(Exception):
    """The workbook, or one of its sheets, cannot be read safely; the text says why."""


class Uncalculated(str):
    """A cell holding a formula whose value was never saved (a workbook written by a program,
    not by Excel or LibreOffice): its text is the formula."""


class Workbook:
    """An XLSX file opened for reading, its parts' sizes checked."""

    def __init__(self, path: Path, limit: int):
        import openpyxl

        from nervecenter.core.errors import NerveCenterError

        self.path, self.books = path, []
        try:
            with zipfile.ZipFile(path) as z:
                self.titles = _titles(z)
                _check_sizes(z, limit, self.titles)
                formulas = _has_uncalculated_formulas(z, self.titles)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
            raise Unreadable(f"not an Excel workbook ({type(e).__name__}: {e}); save it as "
                             ".xlsx") from None
        if not _hardened():
            raise NerveCenterError("defusedxml is not installed, and NerveCenter reads no XLSX "
                                   "without it; pip install defusedxml")
        try:
            self.books.append(openpyxl.load_workbook(path, read_only=True, data_only=True))
            if formulas:
                self.books.append(openpyxl.load_workbook(path, read_only=True,
                                                         data_only=False))
        except DAMAGE as e:
            self.close()
            raise Unreadable(f"{self._culprit()}: {_why(e)}") from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        for book in self.books:
            book.close()

    def sheets(self):
        """(title, rows) for each sheet: rows are tuples of values, read as they are used."""
        values, *formulas = self.books
        for sheet in values.worksheets:
            rows = sheet.iter_rows(values_only=True)
            if formulas:
                rows = _with_formulas(rows, formulas[0][sheet.title].iter_rows(values_only=True))
            yield sheet.title, _guarded(rows, f"sheet {sheet.title}")

    def _culprit(self) -> str:
        """Which part failed to load: the first whose start does not parse (a sheet's own name
        when it is a sheet), for the message; 'the workbook' when none can be told."""
        from defusedxml.ElementTree import iterparse

        with zipfile.ZipFile(self.path) as z:
            for name in z.namelist():
                if not name.endswith((".xml", ".rels")):
                    continue
                try:
                    with z.open(name) as f:
                        next(iter(iterparse(f, events=("start",))), None)
                except DAMAGE:
                    return _where(name, self.titles)
        return "the workbook"


def _hardened() -> bool:
    """Whether openpyxl parses with defusedxml (it does when the package is installed)."""
    from openpyxl.xml import DEFUSEDXML

    return DEFUSEDXML


def _why(error: BaseException) -> str:
    from defusedxml import DefusedXmlException

    inner = error.__cause__ or error.__context__
    if inner is not None and str(error).startswith("Unable to read workbook"):
        return _why(inner)  # openpyxl's wrapper of what went wrong

    if isinstance(error, DefusedXmlException):
        return ("declares XML entities, which no spreadsheet program writes (an entity bomb, or "
                f"a reference to another file) and NerveCenter does not read; {SAVE_AGAIN}")
    if isinstance(error, SyntaxError):
        return f"is cut off or damaged (XML: {error}); {SAVE_AGAIN}"
    return f"is damaged ({error}); {SAVE_AGAIN}"


def _guarded(rows, where: str):
    try:
        yield from rows
    except DAMAGE as e:
        raise Unreadable(f"{where}: {_why(e)}") from None


def _where(part: str, titles: dict[str, str]) -> str:
    return f"sheet {titles[part]}" if part in titles else f"part {part}"


def _check_sizes(z: zipfile.ZipFile, limit: int, titles: dict[str, str]) -> None:
    total = 0
    for info in z.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > limits.XLSX_RATIO:
            raise Unreadable(
                f"{_where(info.filename, titles)}: unpacks to {info.file_size / MB:,.0f} MB from "
                f"{info.compress_size / MB:,.2f} MB ({ratio:,.0f} times; a sheet a spreadsheet "
                f"program saved packs about 10 times, at most {limits.XLSX_RATIO}): refused "
                f"unread, as it would take that much memory; {SAVE_AGAIN}")
    cap = limits.XLSX_UNPACKED * limit
    if total > cap:
        more = -(-total // (limits.XLSX_UNPACKED * MB)) + 1
        raise Unreadable(
            f"unpacks to {total / MB:,.0f} MB, over the {round(cap / MB, 3):g} MB an XLSX may "
            f"unpack to ({limits.XLSX_UNPACKED} times the {round(limit / MB, 3):g} MB limit on "
            "input files); split it, "
            f"or raise the limit with `limits: {{max_input_mb: {more}}}` in practice.yaml (or "
            f"{limits.INPUT_ENV}={more} for one run)")


def _titles(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part -> sheet title, from xl/workbook.xml and its relations ({} when unsure)."""
    from defusedxml.ElementTree import fromstring

    try:
        parts = {}
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if z.getinfo(name).file_size > XML_PARTS_READ_WHOLE:
                return {}
            parts[name] = fromstring(z.read(name))
    except DAMAGE:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in parts["xl/_rels/workbook.xml.rels"]}
    found = {}
    for sheet in parts["xl/workbook.xml"].iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            part = target[1:] if target.startswith("/") else f"xl/{target}"
            found[part] = sheet.get("name", "")
    return found


_NO_VALUE = re.compile(rb"<f[^>]*>[^<]*</f>(?:<v\s*/>|<v></v>)?</c>")


def _has_uncalculated_formulas(z: zipfile.ZipFile, titles: dict[str, str]) -> bool:
    """Whether a sheet holds a formula cell without a saved value. Streamed in pieces cut after
    a `</c>` (a cell's end, which no match spans)."""
    for name in z.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            try:
                if _scan(z, name):
                    return True
            except DAMAGE as e:
                raise Unreadable(f"{_where(name, titles)}: {_why(e)}") from None
    return False


def _scan(z: zipfile.ZipFile, name: str) -> bool:
    with z.open(name) as f:
        carry = b""
        while chunk := f.read(MB):
            carry += chunk
            end = carry.rfind(b"</c>") + 4
            if end >= 4:
                if _NO_VALUE.search(carry, 0, end):
                    return True
                carry = carry[end:]
        return bool(_NO_VALUE.search(carry))


def _with_formulas(values, formulas):
    """Rows of values, where an empty cell whose formula twin holds `=...` is Uncalculated."""
    for row, twin in zip_longest(values, formulas, fillvalue=()):
        yield tuple(Uncalculated(f) if v is None and isinstance(f, str) and f.startswith("=")
                    else v for v, f in zip_longest(row, twin))
