"""A TrueType font that shows Vietnamese, found on the machine and registered with reportlab once."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFError, TTFont

from .errors import EnvironmentFailed, InvalidInput

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


def _fc_match(family: str) -> Path | None:
    if not shutil.which("fc-match"):
        return None
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


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


# --- embedding: the characters of a text as one-byte codes of small subsets of the font ------------------


@dataclass(frozen=True)
class Face:
    """What a PDF font descriptor says about the font file: the same for every stamp, so read once."""

    name: str                   # the PostScript name
    ascent: float
    descent: float
    cap_height: float
    flags: int
    bbox: tuple[float, ...]
    italic_angle: float
    stem_v: float
    missing_width: float


@dataclass(frozen=True)
class Subset:
    """At most 256 characters of the font as a simple TrueType font: code i shows unicodes[i]."""

    base_font: str              # a six-letter tag of the subset, "+", the PostScript name
    unicodes: tuple[int, ...]
    widths: tuple[float, ...]   # advance widths, 1/1000 em, by code
    program: bytes              # the subset font file, with the glyphs of these characters only


@dataclass(frozen=True)
class Embedding:
    face: Face
    subsets: tuple[Subset, ...]
    runs: dict[str, tuple[tuple[int, bytes], ...]]   # each text as runs of (subset, codes)


_faces: dict[Path, Face] = {}


def _face(path: Path, font: TTFont) -> Face:
    with _lock:
        if path not in _faces:
            f = font.face
            _faces[path] = Face(name=(f.name + f.subfontNameX).decode("latin-1"), ascent=f.ascent,
                                descent=f.descent, cap_height=f.capHeight,
                                flags=(f.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC, bbox=tuple(f.bbox),
                                italic_angle=f.italicAngle, stem_v=f.stemV, missing_width=f.defaultWidth)
        return _faces[path]


def _tag(name: str, unicodes: list[int]) -> str:
    """Six capital letters that differ between subsets, so two subsets in one file never share a name."""
    n = zlib.crc32(",".join(map(str, unicodes)).encode(), zlib.crc32(name.encode()))
    return "".join(chr(65 + n // 26 ** i % 26) for i in range(6))


def embed(path: str | os.PathLike, texts) -> Embedding:
    """Encode texts for a PDF: one byte per character, in subsets of at most 256 characters of the font.

    The codes follow reportlab's TrueType subsets (code 0 is .notdef and code 32 the space in every
    subset) with only the characters used, so the embedded font program holds just their glyphs.
    A character the font lacks is drawn as .notdef; callers refuse such text first (missing_letters).
    """
    path = Path(path).resolve()
    font = _load(path)
    if font is None:
        raise InvalidInput(f"Tệp “{path}” không phải phông TrueType (.ttf) dùng được.")
    face = font.face
    char_to_glyph = face.charToGlyph
    subsets: list[list[int]] = [[0] + [32] * 32]
    codes = {0: 0, 32: 32}
    following = 1
    runs: dict[str, tuple[tuple[int, bytes], ...]] = {}
    for text in texts:
        if text in runs:
            continue
        found: list[tuple[int, bytearray]] = []
        for char in text:
            u = 32 if char == "\xa0" else ord(char)
            n = codes.get(u)
            if n is None:
                if u not in char_to_glyph:
                    n = 0
                else:
                    n = following
                    if n & 0xFF == 0:         # a new subset, whose code 0 is .notdef
                        subsets.append([0])
                        n += 1
                    elif n & 0xFF == 32:      # code 32 is the space in every subset
                        if n != 32:
                            subsets[n >> 8].append(32)
                        n += 1
                    if n < 32:
                        subsets[0][n] = u
                    else:
                        subsets[n >> 8].append(u)
                    following = n + 1
                    codes[u] = n
            if not found or found[-1][0] != n >> 8:
                found.append((n >> 8, bytearray()))
            found[-1][1].append(n & 0xFF)
        runs[text] = tuple((subset, bytes(codes_)) for subset, codes_ in found)
    info = _face(path, font)
    made = []
    for unicodes in subsets:
        with _lock:  # the font file object keeps a read position: one subset at a time
            program = face.makeSubset(unicodes)
        made.append(Subset(f"{_tag(info.name, unicodes)}+{info.name}", tuple(unicodes),
                           tuple(face.getCharWidth(u) for u in unicodes), program))
    return Embedding(info, tuple(made), runs)
