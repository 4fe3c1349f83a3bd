"""Layout measured at render time: rules sized to the text above them, titles without a lone last word."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .fontconfig import fc_match_all

PT_PER_CM = 72 / 2.54
RULE_CHAR = "_"             # a line of low lines reads as one ruled line in Times New Roman and Liberation Serif
AVERAGE_EM = 0.62           # a capital's width in ems, used when no font file can be read
# The advance widths reportlab reads from the font files fontconfig gives the formats' font (written by
# tools/build_font_widths.py), by the sha256 of the file: a letter then needs neither reportlab nor PIL (30 ms),
# and a font file with other bytes is parsed as before. tests/test_layout.py checks the table against reportlab.
WIDTHS_FILE = "font_widths.json"
_lock = threading.Lock()


class Widths:
    """A font's advance widths as reportlab reads them (thousandths of an em, by code point), and its default."""

    def __init__(self, widths: dict[int, float], default: float):
        self.widths, self.default = widths, default

    def string_width(self, text: str, size: float) -> float:
        """reportlab's TTFont.stringWidth: the sum of the widths, in the same order, scaled the same way."""
        get, default = self.widths.get, self.default
        return 0.001 * size * sum(get(ord(c), default) for c in text)

    def as_dict(self) -> dict:
        return {"default": self.default, "widths": {str(code): width for code, width in sorted(self.widths.items())}}


def parsed_widths(path: Path) -> Widths | None:
    """The widths reportlab reads from a font file; None if it is not a TrueType font it can read."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFont
    try:
        with _lock:
            face = TTFont(f"layout-{path.stem}", str(path)).face
    except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError):
        return None
    return Widths(dict(face.charWidths), face.defaultWidth)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=None)
def _shipped() -> dict:
    try:
        return json.loads(resources.files(__package__).joinpath(WIDTHS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# fontconfig's answers asked for ahead (prefetch_fonts), by family: the thread asking, and what it got and from whom
_prefetched: dict[str, tuple[threading.Thread, dict]] = {}


def prefetch_fonts(family: str = "Times New Roman") -> None:
    """Ask fontconfig for family's regular and bold files now, in the background: a letter sizes its first rule
    after loading docxtpl, and the two fc-match processes run meanwhile (on another core) instead of then."""
    if family in _prefetched or _font_files.cache_info().currsize:
        return
    answer: dict = {}

    def ask(asking=fc_match_all):
        answer.update(files=asking(family, f"{family}:bold"), asking=asking)
    thread = threading.Thread(target=ask, name="fc-match", daemon=True)
    _prefetched[family] = (thread, answer)
    thread.start()


@lru_cache(maxsize=None)
def _font_files(family: str) -> tuple[Path | None, Path | None]:
    """The regular and the bold font file fontconfig gives for family, asked for together (a rule needs both)."""
    thread, answer = _prefetched.pop(family, (None, {}))
    if thread is not None:
        thread.join()
    if answer.get("asking") is fc_match_all and "files" in answer:  # asked the way it would be asked now
        regular, bold = answer["files"]
    else:
        regular, bold = fc_match_all(family, f"{family}:bold")
    return regular, bold


@lru_cache(maxsize=None)
def _metrics(family: str, bold: bool) -> Widths | None:
    """The widths of the font LibreOffice would use for family (fontconfig's answer), read once; None if none."""
    found = _font_files(family)[bold]
    if found is None or not Path(found).is_file():
        return None
    try:
        known = _shipped().get(file_digest(found.read_bytes()))
    except OSError:
        return None
    if isinstance(known, dict):
        return Widths({int(code): width for code, width in known["widths"].items()}, known["default"])
    return parsed_widths(found)


def text_width(text: str, size: float, bold: bool = False, family: str = "Times New Roman") -> float:
    """The width of text in points, set in family at size."""
    font = _metrics(family, bold)
    if font is None:
        return len(text) * size * AVERAGE_EM
    return font.string_width(text, size)


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
