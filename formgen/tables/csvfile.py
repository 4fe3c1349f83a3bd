"""CSV as Excel writes it: its encodings (UTF-8, UTF-16, Windows-1258, legacy fonts) and separators."""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

from .common import (CSV_ERRORS, CSV_SAMPLE_BYTES, CSV_SEPARATORS, EXCEL_ERRORS, HEADER_SEARCH_ROWS, MESSAGES, CellError,
                     letter, refuse)
from .vocabulary import header_index, known_header


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _csv_encoding(p: Path, sample: bytes, complete: bool) -> tuple[str, list[str]]:
    """The encoding Excel wrote the file in: UTF-8 (BOM or not), UTF-16 ("Unicode text"), or Windows-1258."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", []
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):  # UTF-16 without its BOM
        odd = sample[1::2].count(b"\x00")
        return ("utf-16-le" if odd > sample[0::2].count(b"\x00") else "utf-16-be"), []
    try:
        sample.decode("utf-8")
        return "utf-8", []
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and not complete:  # a letter the sample cut in two
            return "utf-8", []
        if _UTF8_MULTIBYTE.search(sample):  # UTF-8 with a few bad bytes: not a Windows file
            raise refuse(p, MESSAGES["not_utf8"].format(line=sample[: exc.start].count(b"\n") + 1)) from None
    legacy = _legacy_file(sample)
    if legacy:
        return "cp1252", [MESSAGES["legacy_file"].format(path=p, encoding=legacy)]
    try:
        sample.decode("cp1258")
    except UnicodeDecodeError:
        raise refuse(p, MESSAGES["not_text"]) from None
    return "cp1258", [MESSAGES["cp1258"].format(path=p)]


def _legacy_file(sample: bytes) -> str | None:
    """The name of the legacy font encoding (TCVN3, VNI) a file of 8-bit text reads as, its bytes taken as the
    font's (Windows-1252) letters, when that reads as more Vietnamese than Windows-1258 does; else None."""
    from ..legacy import _WORD, NAMES, detect, is_syllable, to_unicode

    as_fonts = sample.decode("cp1252", errors="replace")
    encoding = detect(as_fonts)
    if encoding is None:
        return None

    def syllables(text: str) -> int:
        return sum(map(is_syllable, _WORD.findall(unicodedata.normalize("NFC", text))))
    as_windows = sample.decode("cp1258", errors="replace")
    return NAMES[encoding] if syllables(to_unicode(as_fonts, encoding)) > syllables(as_windows) else None


def _rows_of(text: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _csv_separator(sample: str, complete: bool) -> str:
    """The separator under which the header and the rows read most consistently (csv.Sniffer guesses from one
    line, and turns doubled quotes off).

    Each candidate parses the sample as Excel writes it (quotes doubled inside quoted cells); the one whose header
    row has the most known headers wins, then the one whose rows have as many cells as the header."""
    best, best_score = ",", None
    for delimiter in CSV_SEPARATORS:
        rows: list[list[str]] = []
        try:
            for row in _rows_of(io.StringIO(sample, newline=""), delimiter):
                rows.append(row)
        except csv.Error:
            pass
        if not complete and rows:
            rows.pop()  # the sample may end inside the last row
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        numbered = list(enumerate(rows))
        at = header_index(numbered[:HEADER_SEARCH_ROWS]) or 0
        header = rows[at]
        width = len(header)
        body = rows[at + 1:]
        consistent = sum(1 for r in body if len(r) == width)
        known = sum(known_header(c) for c in header)
        score = (known, consistent, width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])\r?(?:\n|$)")


class _BadBytes(Exception):
    pass


def _text_lines(f, encoding: str) -> Iterator[str]:
    """The file's lines as text (any line ending, kept as written, as csv wants); _BadBytes at a bad one."""
    errors = "surrogatepass" if encoding.startswith("utf-16") else "surrogateescape"
    text = io.TextIOWrapper(f, encoding=encoding, errors=errors, newline="")
    for line in text:
        if _SURROGATE.search(line):
            raise _BadBytes()
        yield line


def open_csv(p: Path):
    f = open(p, "rb")
    try:
        sample = f.read(CSV_SAMPLE_BYTES)
        complete = len(sample) < CSV_SAMPLE_BYTES
        encoding, notes = _csv_encoding(p, sample, complete)
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        sample_text = decoder.decode(sample, final=complete)
        if not sample_text.strip():
            raise refuse(p, MESSAGES["empty"])
        declared = _SEP_LINE.match(sample_text)   # Excel's own "sep=;" first line, which Excel does not show
        delimiter = declared.group(1) if declared else _csv_separator(sample_text, complete)
        f.seek(0)
    except BaseException:
        f.close()
        raise
    lines = _text_lines(f, encoding)
    if declared:
        next(lines, None)
    reader = _rows_of(lines, delimiter)
    label = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1258": "Windows-1258", "cp1252": "Windows-1252"}.get(
        encoding, "UTF-16")

    def rows() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):  # a record is a row, whatever new lines its cells hold
                yield number, [CellError(c) if c.strip() in EXCEL_ERRORS else c for c in cells]  # as Excel saved it
        except csv.Error as exc:
            text = str(exc)
            reason = next((words for key, words in CSV_ERRORS if key in text.lower()), text)
            raise refuse(p, reason, f", dòng {number + 1}") from None
        except _BadBytes:
            raise refuse(p, MESSAGES["bad_bytes"].format(encoding=label), f", dòng {number + 1}") from None

    def width_error(number: int, cells: list, index: int, width: int) -> str:
        if index >= width:
            return MESSAGES["extra_csv"].format(count=len(cells), width=width)
        return MESSAGES["untitled"].format(ref=f"{letter(index)}{number}", letter=letter(index))

    return rows(), notes, f.close, width_error
