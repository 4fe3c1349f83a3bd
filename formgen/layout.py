"""Layout measured at render time: rules sized to the text above them, titles without a lone last word."""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFError, TTFont

from .fonts import _fc_match

PT_PER_CM = 72 / 2.54
RULE_CHAR = "_"             # a line of low lines reads as one ruled line in Times New Roman and Liberation Serif
AVERAGE_EM = 0.62           # a capital's width in ems, used when no font file can be read
_lock = threading.Lock()


@lru_cache(maxsize=None)
def _metrics(family: str, bold: bool) -> TTFont | None:
    """The font LibreOffice would use for family (fontconfig's answer), parsed once; None if none."""
    found = _fc_match(f"{family}:bold" if bold else family)
    if found is None or not Path(found).is_file():
        return None
    try:
        with _lock:
            return TTFont(f"layout-{found.stem}", str(found))
    except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError):
        return None


def text_width(text: str, size: float, bold: bool = False, family: str = "Times New Roman") -> float:
    """The width of text in points, set in family at size."""
    font = _metrics(family, bold)
    if font is None:
        return len(text) * size * AVERAGE_EM
    return font.stringWidth(text, size)


def lines(text: str, size: float, bold: bool, box_cm: float, family: str = "Times New Roman") -> list[str]:
    """text broken into lines as a word processor breaks it in a box box_cm wide (greedy, at spaces)."""
    room = box_cm * PT_PER_CM
    out: list[str] = []
    for word in text.split():
        if out and text_width(f"{out[-1]} {word}", size, bold, family) <= room:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


@lru_cache(maxsize=1024)  # a batch repeats its issuer and motto on every row
def rule(text: str, size: float, bold: bool, ratio: float, box_cm: float, rule_size: float,
         family: str = "Times New Roman") -> str:
    """A line of low lines ratio times as long as the longest line text makes in a box_cm wide.

    NĐ 30/2020, Phụ lục I: the line under the issuer is 1/3–1/2 of the issuer's name, the line
    under the trích yếu 1/3–1/2 of its longest line; the line under the Tiêu ngữ as long as it.
    """
    box = max(box_cm, 1.0)
    longest = max((text_width(line, size, bold, family) for line in lines(text, size, bold, box, family)),
                  default=0.0)
    one = text_width(RULE_CHAR, rule_size, False, family) or rule_size / 2
    return RULE_CHAR * max(1, round(longest * ratio / one))


def keep_last_words(text: str) -> str:
    """The last two words joined by a no-break space, so a title's last line never holds one word."""
    return re.sub(r"\s+(\S+)\s*$", "\u00a0\\1", str(text).strip(), count=1) if " " in str(text).strip() else text
