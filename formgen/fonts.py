"""A TrueType font that shows Vietnamese, found on the machine and registered with reportlab once."""
from __future__ import annotations

import os
import threading
import unicodedata
import zlib
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from .errors import EnvironmentFailed, InvalidInput
from .fontconfig import fc_match as _fc_match

ENV_FONT = "FORMGEN_FONT"

# Times New Roman first (the house font of both formats), then fonts that can stand in for it.
# Debian's fonts-liberation (1.07) has no Vietnamese letters with two marks (ẤẦẪ...); fonts-liberation2 has.
FAMILIES = (
    ("Times New Roman", ("times new roman.ttf", "times_new_roman.ttf", "times.ttf")),
    ("Liberation Serif", ("liberationserif-regular.ttf",)),
    ("DejaVu Serif", ("dejavuserif.ttf",)),
)
INSTALL_HINT = ("cài gói fonts-liberation2 hoặc fonts-dejavu-core (Debian/Ubuntu: apt-get install fonts-liberation2), "
                f"hoặc chỉ tệp phông .ttf bằng tham số font= hay biến môi trường {ENV_FONT}")


def _font_dirs() -> list[Path]:
    home = Path.home()
    dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".fonts",
            home / ".local" / "share" / "fonts", Path("/Library/Fonts"), home / "Library" / "Fonts",
            Path("/System/Library/Fonts/Supplemental")]
    if os.name == "nt":
        dirs.append(Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts")
    return dirs


def _vietnamese_letters() -> frozenset[str]:
    """Every precomposed Vietnamese letter: the 12 vowels with each of the 6 tones, both cases, and đ/Đ."""
    vowels = "aăâeêioôơuưy"
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    lower = {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones} | {"đ"}
    return frozenset(lower | {c.upper() for c in lower})


VIETNAMESE = _vietnamese_letters()

_lock = threading.Lock()
_loaded: dict[Path, TTFont | None] = {}   # parsed font files; None: not a usable font
_registered: dict[Path, str] = {}         # font file → the name reportlab knows it by
_found: dict[str | None, Path] = {}       # what find_font answered, by the path it was given


def _load(path: Path) -> TTFont | None:
    """Parse a font file once per process; None when it is not a TrueType font."""
    with _lock:
        if path not in _loaded:
            name = f"formgen-{path.stem}-{zlib.crc32(str(path).encode()):08x}"
            try:
                _loaded[path] = TTFont(name, str(path))
            except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError):
                _loaded[path] = None
        return _loaded[path]


def missing_letters(path: str | os.PathLike, text: str | None = None) -> str:
    """The letters of text (default: every Vietnamese letter) the font has no glyph for, "" when none.

    A file that is not a TrueType font lacks every letter.
    """
    wanted = sorted(VIETNAMESE if text is None else {c for c in text if not c.isspace()})
    font = _load(Path(path).resolve())
    if font is None:
        return "".join(wanted)
    return "".join(c for c in wanted if ord(c) not in font.face.charToGlyph)


def _shows_vietnamese(path: Path) -> bool:
    return path.is_file() and not missing_letters(path)


def _files_named(names: tuple[str, ...]) -> list[Path]:
    found = []
    for folder in _font_dirs():
        try:
            if folder.is_dir():
                found += sorted(p for p in folder.rglob("*") if p.name.lower() in names and p.is_file())
        except OSError:  # an unreadable folder is not a reason to stop looking
            continue
    return found


def _candidates():
    for _family, names in FAMILIES:
        yield from _files_named(names)
    for family, _names in FAMILIES:
        found = _fc_match(family)
        if found is not None:
            yield found


def find_font(path: str | os.PathLike | None = None) -> Path:
    """The font file the stamp uses: the one given, $FORMGEN_FONT, else Times New Roman,
    Liberation Serif, DejaVu Serif in the usual places or through fontconfig.

    A font named by the user that cannot show Vietnamese is an error (InvalidInput), never
    silently replaced; when no font is found, EnvironmentFailed says what to install.
    """
    wanted = str(path) if path else os.environ.get(ENV_FONT) or None
    if wanted in _found:
        return _found[wanted]
    if wanted:
        chosen = Path(wanted).expanduser().resolve()
        where = "" if path else f" (biến môi trường {ENV_FONT})"
        if not chosen.is_file():
            raise InvalidInput(f"Không tìm thấy tệp phông chữ “{wanted}”{where}.")
        if _load(chosen) is None:
            raise InvalidInput(f"Tệp “{wanted}”{where} không phải phông TrueType (.ttf) dùng được.")
        missing = missing_letters(chosen)
        if missing:
            raise InvalidInput(f"Phông “{wanted}”{where} thiếu chữ tiếng Việt ({missing[:12]}...): "
                               "chọn phông khác, ví dụ Times New Roman hoặc DejaVu Serif.")
    else:
        chosen = next((p.resolve() for p in _candidates() if _shows_vietnamese(p)), None)
        if chosen is None:
            raise EnvironmentFailed("Không tìm thấy phông chữ hiển thị được tiếng Việt để đóng dấu PDF: "
                                    f"{INSTALL_HINT}.")
    _found[wanted] = chosen
    return chosen


def register_font(path: str | os.PathLike) -> str:
    """Register the font with reportlab once per process (by file) and return the name to draw with."""
    path = Path(path).resolve()
    with _lock:
        if path in _registered:
            return _registered[path]
    font = _load(path)
    if font is None:
        raise InvalidInput(f"Tệp “{path}” không phải phông TrueType (.ttf) dùng được.")
    with _lock:
        if path not in _registered:
            pdfmetrics.registerFont(font)
            _registered[path] = font.fontName
        return _registered[path]
