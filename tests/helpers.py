"""Helpers the test modules share: reading a rendered document as a person reads it, editing a workbook's XML."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx


def docx_lines(path) -> list[str]:
    """Every paragraph of a .docx, table cells included, in reading order, as a reader sees it."""
    lines: list[str] = []

    def walk(container):
        for block in container.iter_inner_content():
            if isinstance(block, docx.table.Table):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                lines.append(block.text.replace("\u00a0", " "))  # a no-break space reads as a space

    walk(docx.Document(str(path)))
    return lines


def rewrite_sheet(path: Path, edit) -> Path:
    """The workbook at path with its first sheet's XML rewritten by edit (text in, text out)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = edit(parts["xl/worksheets/sheet1.xml"].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path
