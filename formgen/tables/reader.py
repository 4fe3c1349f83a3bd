"""The one table reader: find the header below any title rows, check every header, iterate the rows."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import InvalidInput
from .common import HEADER_SEARCH_ROWS, MESSAGES, CellError, letter, refuse
from .csvfile import open_csv
from .vocabulary import Column, Heading, clean_cell, header_index, header_key, nearest_header, path_keys, resolve
from .xlsxfile import audit, open_xlsx


@dataclass
class Row:
    """One data row: its number as the user sees it (Excel's row), its cells by heading title, or why it is bad."""

    number: int
    values: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class Table:
    """An open table: its header row, its headings, notes on how it was read; iterate for its data rows."""

    source: Path
    header_row: int
    headings: list[Heading]
    notes: list[str]
    _rows: Iterator[tuple[int, list]]
    _width_error: Callable[[int, list, int, int], str]
    _close: Callable[[], None]
    _width: int = 0                          # cells in the header row
    _ignored: frozenset = frozenset()        # indexes of the columns every reader ignores (STT, Ghi chú)

    def __iter__(self) -> Iterator[Row]:
        titled = {h.index for h in self.headings}
        ignored = self._ignored
        for number, cells in self._rows:
            cells = [clean_cell(c) for c in cells]
            if all(c is None for c in cells):
                continue
            stray = [i for i, c in enumerate(cells) if c is not None and i not in titled and i not in ignored]
            if stray:
                yield Row(number, error=self._width_error(number, cells, stray[0], self._width))
                continue
            errors = [h for h in self.headings if h.index < len(cells) and isinstance(cells[h.index], CellError)]
            if errors:
                yield Row(number, error=_excel_error(number, cells, errors))
                continue
            yield Row(number, {h.title: cells[h.index] if h.index < len(cells) else None for h in self.headings})

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _excel_error(number: int, cells: list, errors: list[Heading]) -> str:
    first = errors[0]
    more = MESSAGES["more"].format(count=len(errors) - 1) if len(errors) > 1 else ""
    return MESSAGES["excel_error"].format(ref=f"{letter(first.index)}{number}", title=first.title,
                                          code=cells[first.index].code, more=more)


def open_table(path, *, sheet: str | None = None, section: str | None = None) -> Table:
    """Open a .csv or .xlsx table: find its header (below any title rows), check every header, and return the
    Table to iterate. InvalidInput, one line, when the table cannot be read or has a column nobody knows.

    `section` (batch: the document's section) makes two headers meaning the same input path an error too.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise refuse(p, MESSAGES["type"].format(suffixes=".csv, .xlsx"))
    if not p.is_file():
        raise refuse(p, MESSAGES["missing"])
    if suffix == ".csv":
        if sheet is not None:
            raise refuse(p, MESSAGES["sheet_csv"])
        rows, notes, close, width_error = open_csv(p)
        scan = None
    else:
        rows, notes, close, width_error, scan = open_xlsx(p, sheet)
    try:
        head, broken = _head(rows)
        at = header_index(head)
        if at is None:
            if not head or all(clean_cell(c) is None for number, cells in head for c in cells):
                raise refuse(p, MESSAGES["empty"] if suffix == ".csv" else MESSAGES["empty_sheet"])
            raise refuse(p, MESSAGES["no_header"].format(rows=HEADER_SEARCH_ROWS))
        header_row, titles = head[at]
        headings, ignored = _headings(p, header_row, titles, section, notes)
        audit(p, header_row, headings, scan, ignored)
        body = _skip_numbering_row(itertools.chain(head[at + 1:], _raise(broken) if broken else rows))
        return Table(p, header_row, headings, notes, body, width_error, close, len(titles), ignored)
    except BaseException:
        close()
        raise


def _head(rows: Iterator[tuple[int, list]]) -> tuple[list[tuple[int, list]], InvalidInput | None]:
    """The first rows, where the header is looked for; a table that breaks among them breaks where it breaks,
    once the rows before are read (so its error is raised in turn, not before them)."""
    head = []
    try:
        for row in itertools.islice(rows, HEADER_SEARCH_ROWS):
            head.append(row)
    except InvalidInput as exc:
        if not head:
            raise
        return head, exc
    return head, None


def _raise(error: Exception) -> Iterator:
    raise error
    yield


def _legacy_header(title: str, titles: list, notes: list[str]) -> tuple[Column, str] | None:
    """A header typed in a TCVN3 or VNI font (Excel keeps those letters as they look): the column it names, the
    encoding judged on the whole header row (one word alone is too little to tell)."""
    from ..legacy import NAMES, detect, to_unicode

    encoding = detect(" ".join(str(t) for t in titles if isinstance(t, str)))
    converted = to_unicode(title, encoding) if encoding else ""
    meaning = resolve(converted) if encoding else None
    if not isinstance(meaning, Column):
        return None
    note = MESSAGES["legacy_header"].format(encoding=NAMES[encoding])
    if note not in notes:
        notes.append(note)
    return meaning, converted


def _headings(p: Path, number: int, titles: list, section: str | None,
              notes: list[str]) -> tuple[list[Heading], frozenset]:
    where = ", dòng tiêu đề" + (f" (dòng {number})" if number > 1 else "")
    headings, unknown, ignored = [], [], set()
    seen: dict[object, Heading] = {}      # a column's key, a path's keys: the heading that has it
    above: dict[tuple, Heading] = {}      # the keys of every object or list above a path: the first heading in it
    for i, title in enumerate(titles):
        title = clean_cell(title)
        if title is None:
            continue
        text = str(title).strip()
        meaning = resolve(text)
        if meaning == "":
            ignored.add(i)
            continue
        if meaning is None:
            meaning, text = _legacy_header(text, titles, notes) or (None, text)
        if meaning is None:
            unknown.append(MESSAGES["unknown_one"].format(title=text, nearest=nearest_header(text)))
            continue
        column = meaning if isinstance(meaning, Column) else None
        heading = Heading(i, text, column, column.path if column else meaning)
        keys = path_keys(heading.path.replace("{doc}", section) if section else heading.path) if heading.path else ()
        identities = ([column.key] if column else []) + ([keys] if keys else [])
        # one field twice (“Trưởng đoàn” and delegation.leader.name), or a list and one of its items (“Thành
        # viên” and delegation.members[0].name): whichever column came last would win, silently
        other = next((seen[x] for x in identities if x in seen), None) or above.get(keys) or next(
            (seen[keys[:n]] for n in range(1, len(keys)) if keys[:n] in seen), None)
        if other is not None:
            same = header_key(other.title) == header_key(text)
            reason = MESSAGES["twice" if same else "same"].format(
                title=text, other=other.title, first=letter(other.index), second=letter(i))
            raise refuse(p, reason, where)
        seen.update(dict.fromkeys(identities, heading))
        for n in range(1, len(keys)):
            above.setdefault(keys[:n], heading)
        headings.append(heading)
    if unknown:
        raise refuse(p, MESSAGES["unknown"].format(columns=", ".join(unknown)), where)
    return headings, frozenset(ignored)


_ORDINAL = re.compile(r"\(?(\d{1,3})\)?")


def _skip_numbering_row(body: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Drop the row of column numbers (1), (2), (3)... that Vietnamese forms print under their header."""
    for number, cells in body:
        filled = [str(c).strip() for c in cells if clean_cell(c) is not None]
        if not filled:
            continue  # blank rows are skipped anyway; the numbering row is the first one filled
        numbers = [int(m.group(1)) for m in map(_ORDINAL.fullmatch, filled) if m]
        if not (len(filled) >= 2 and len(numbers) == len(filled)
                and numbers == list(range(numbers[0], numbers[0] + len(numbers)))):
            yield number, cells
        yield from body
        return
