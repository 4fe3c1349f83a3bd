"""Tables as Excel writes them (CSV in its dialects and encodings, XLSX), read into rows of cells under one header vocabulary.

`batch` and `register import` both read through `open_table`: the same title rows skipped above
the header, the same `STT` and `Ghi chú` columns ignored, the same headers (COLUMNS) understood,
the same refusals. A table exported from the register can be fed to batch, and back.
"""
from __future__ import annotations

from .common import (CSV_SAMPLE_BYTES, CSV_SEPARATORS, HEADER_SEARCH_ROWS, MAX_CELLS, MAX_PART_BYTES, MAX_SHEET_BYTES,
                     MESSAGES, letter)
from .reader import Row, Table, open_table
from .vocabulary import (COLUMNS, DOTTED_PATH, IGNORED_HEADERS, Column, Heading, header_key, input_path, input_paths,
                         nearest_header, path_keys, resolve)

__all__ = [
    "COLUMNS", "CSV_SAMPLE_BYTES", "CSV_SEPARATORS", "Column", "DOTTED_PATH", "HEADER_SEARCH_ROWS", "Heading",
    "IGNORED_HEADERS", "MAX_CELLS", "MAX_PART_BYTES", "MAX_SHEET_BYTES", "MESSAGES", "Row", "Table", "header_key",
    "input_path", "input_paths", "letter", "nearest_header", "open_table", "path_keys", "resolve",
]
