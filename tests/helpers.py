"""Helpers the test modules share: reading a rendered document as a person reads it."""
from __future__ import annotations

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
