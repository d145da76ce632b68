"""The record of processing activities written as CSV, XLSX, ODS or an HTML page.

XLSX through openpyxl and ODS through odfpy: each reads what it writes (the tests read the files back with
the same library), both are pure Python, and they are the engines pandas itself uses for these two formats.
One sheet per site; the dates of a row are real dates, so that a spreadsheet sorts and filters them.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Literal

from .codes import RecordFact
from .register import Register
from .render import Renderer

Format = Literal["csv", "xlsx", "ods", "html"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "ods", "html")
REGISTER_TEMPLATE = "register/register.html"
_DATES = {RecordFact.created, RecordFact.last_changed}
# Wide enough for a sentence on a line; the cells wrap.
_WIDTH_CHARACTERS = 40
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _value(register: Register, index: int, text: str) -> str | date:
    if register.columns[index].fact in _DATES and text:
        return date.fromisoformat(text)
    return text


def sheet_name(register: Register) -> str:
    # Excel's limits on a sheet's name: 31 characters, none of []:*?/\
    return register.site_id.translate(_SHEET_NAME_FORBIDDEN)[:31]


def csv_text(register: Register) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(register.headings)
    writer.writerows(register.rows)
    return buffer.getvalue()


def write_csv(registers: list[Register], path: Path) -> None:
    # The byte order mark makes Excel read the file as UTF-8 (accents) instead of the system's code page.
    path.write_text("".join(csv_text(r) for r in registers), encoding="utf-8-sig", newline="")


def write_xlsx(registers: list[Register], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    book.properties.title = registers[0].title
    book.properties.language = registers[0].language
    for register in registers:
        sheet = book.create_sheet(sheet_name(register))
        sheet.append(register.headings)
        for row in register.rows:
            sheet.append([_value(register, i, text) for i, text in enumerate(row)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=1):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        for index in range(1, len(register.columns) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = _WIDTH_CHARACTERS
        sheet.freeze_panes = "C2"  # the headings and the reference and activity stay in view
        sheet.auto_filter.ref = sheet.dimensions
    book.save(path)


def write_ods(registers: list[Register], path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableCellProperties, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    heading = Style(name="heading", family="table-cell")
    heading.addElement(TextProperties(fontweight="bold"))
    heading.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
    body = Style(name="body", family="table-cell")
    body.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
    column = Style(name="column", family="table-column")
    column.addElement(TableColumnProperties(columnwidth=f"{_WIDTH_CHARACTERS * 0.2:.1f}cm"))
    for style in (heading, body):
        document.automaticstyles.addElement(style)
    document.automaticstyles.addElement(column)
    for register in registers:
        table = Table(name=sheet_name(register))
        table.addElement(TableColumn(stylename=column, numbercolumnsrepeated=len(register.columns)))
        for number, row in enumerate([register.headings, *register.rows]):
            line = TableRow()
            for index, text in enumerate(row):
                value = _value(register, index, text) if number else text
                if isinstance(value, date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat(), stylename=body)
                else:
                    cell = TableCell(valuetype="string", stylename=heading if number == 0 else body)
                # One paragraph a line: what a spreadsheet shows as a line break within the cell.
                for part in text.split("\n") if text else []:
                    cell.addElement(P(text=part))
                line.addElement(cell)
            table.addElement(line)
        document.spreadsheet.addElement(table)
    document.save(str(path))


def html_text(registers: list[Register], renderer: Renderer) -> str:
    return renderer.render(registers[0].language, REGISTER_TEMPLATE, registers=registers)


def write(registers: list[Register], path: Path, form: Format, renderer: Renderer) -> None:
    if form == "csv":
        write_csv(registers, path)
    elif form == "xlsx":
        write_xlsx(registers, path)
    elif form == "ods":
        write_ods(registers, path)
    else:
        path.write_text(html_text(registers, renderer), encoding="utf-8")
