"""Vietnamese text in the pre-Unicode encodings TCVN3 (ABC) and VNI, as pasted from old documents.

Text typed in a .VnTime (TCVN3) or VNI-Times font and copied out of an old .doc arrives as Latin-1
letters and signs: "Së Néi vô" (TCVN3) or "Sôû Noäi vuï" (VNI) for "Sở Nội vụ". Printed as is, the
letter says nonsense. `detect` recognises such text, `to_unicode` converts it.

The tables are written from the standard's layout: TCVN 5712:1993, table VN3 (the ABC encoding:
one byte per lower-case toned letter, capitals only for the seven letters Ă Â Ê Ô Ơ Ư Đ), and
VNI-Windows (a base letter followed by one byte for the modifier and tone). Checked against the
public conversion tables of duydev/vietnamese-conversion (src/charsets.ts), and by the round
trips and pasted phrases in tests/test_legacy.py.

Detection works by words: a word with a Latin-1 letter or sign is read three ways (as Unicode,
as TCVN3, as VNI) and each reading is checked against the shape of a Vietnamese syllable.
Text is called legacy only when a legacy reading makes clearly more words Vietnamese than the
Unicode reading does, so ordinary Vietnamese, plain ASCII and names such as "François" or
"Müller" pass untouched.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass

TCVN3 = "TCVN3"
VNI = "VNI"
NAMES = {TCVN3: "TCVN3 (ABC)", VNI: "VNI"}

# TCVN3 (VN3): code point (as the Latin-1 character it arrives as) -> Unicode letter.
_TCVN3_LETTERS = {
    "\u00a1": "Ă", "\u00a2": "Â", "\u00a3": "Ê", "\u00a4": "Ô", "\u00a5": "Ơ", "\u00a6": "Ư", "\u00a7": "Đ",
    "\u00a8": "ă", "\u00a9": "â", "\u00aa": "ê", "\u00ab": "ô", "\u00ac": "ơ", "\u00ad": "ư", "\u00ae": "đ",
    "\u00b5": "à", "\u00b6": "ả", "\u00b7": "ã", "\u00b8": "á", "\u00b9": "ạ",
    "\u00bb": "ằ", "\u00bc": "ẳ", "\u00bd": "ẵ", "\u00be": "ắ", "\u00c6": "ặ",
    "\u00c7": "ầ", "\u00c8": "ẩ", "\u00c9": "ẫ", "\u00ca": "ấ", "\u00cb": "ậ",
    "\u00cc": "è", "\u00ce": "ẻ", "\u00cf": "ẽ", "\u00d0": "é", "\u00d1": "ẹ",
    "\u00d2": "ề", "\u00d3": "ể", "\u00d4": "ễ", "\u00d5": "ế", "\u00d6": "ệ",
    "\u00d7": "ì", "\u00d8": "ỉ", "\u00dc": "ĩ", "\u00dd": "í", "\u00de": "ị",
    "\u00df": "ò", "\u00e1": "ỏ", "\u00e2": "õ", "\u00e3": "ó", "\u00e4": "ọ",
    "\u00e5": "ồ", "\u00e6": "ổ", "\u00e7": "ỗ", "\u00e8": "ố", "\u00e9": "ộ",
    "\u00ea": "ờ", "\u00eb": "ở", "\u00ec": "ỡ", "\u00ed": "ớ", "\u00ee": "ợ",
    "\u00ef": "ù", "\u00f1": "ủ", "\u00f2": "ũ", "\u00f3": "ú", "\u00f4": "ụ",
    "\u00f5": "ừ", "\u00f6": "ử", "\u00f7": "ữ", "\u00f8": "ứ", "\u00f9": "ự",
    "\u00fa": "ỳ", "\u00fb": "ỷ", "\u00fc": "ỹ", "\u00fd": "ý", "\u00fe": "ỵ",
}
_TO_TCVN3 = {v: k for k, v in _TCVN3_LETTERS.items()}

# Combining marks: the modifiers and the five tones of Vietnamese.
CIRCUMFLEX, BREVE, HORN = "\u0302", "\u0306", "\u031b"
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONES = (ACUTE, GRAVE, HOOK, TILDE, DOT)

# VNI-Windows: the byte after a vowel -> (modifier, tone) it adds; lower case, the upper-case byte does the same.
_VNI_MARKS = {
    "ù": ("", ACUTE), "ø": ("", GRAVE), "û": ("", HOOK), "õ": ("", TILDE), "ï": ("", DOT),
    "â": (CIRCUMFLEX, ""), "á": (CIRCUMFLEX, ACUTE), "à": (CIRCUMFLEX, GRAVE), "å": (CIRCUMFLEX, HOOK),
    "ã": (CIRCUMFLEX, TILDE), "ä": (CIRCUMFLEX, DOT),
    "ê": (BREVE, ""), "é": (BREVE, ACUTE), "è": (BREVE, GRAVE), "ú": (BREVE, HOOK), "ü": (BREVE, TILDE),
    "ë": (BREVE, DOT),
}
_VNI_MARKS |= {k.upper(): v for k, v in _VNI_MARKS.items()}
# VNI letters that stand alone (one byte, no mark after them).
_VNI_LETTERS = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}
_VNI_LETTERS |= {k.upper(): v.upper() for k, v in _VNI_LETTERS.items()}
_FROM_VNI_MARK = {v: k for k, v in _VNI_MARKS.items() if k.islower()}
_TO_VNI_LETTER = {v: k for k, v in _VNI_LETTERS.items()}

# Letters only Vietnamese Unicode has (beyond Latin-1): text holding one is Unicode already.
_UNICODE_ONLY = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")
_LATIN1 = re.compile("[\u00a1-\u00ff]")
_SIGNS = re.compile("[\u00a1-\u00bf]")
# A word: letters, the Latin-1 signs TCVN3 uses as letters (¸ µ ¶ ...), combining marks.
_WORD = re.compile("(?:[^\\W\\d_]|[\u00a1-\u00ff]|[\u0300-\u036f])+")
# The shape of a Vietnamese syllable, tone removed: initial consonant, then either a vowel cluster that
# ends in a glide (no final consonant after it) or one that may take a final consonant. Loose enough
# for every real syllable, tight enough that a misread one ("tổnh", "nhaõn") fails.
_SYLLABLE = re.compile(
    "(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx])?"
    "(?:(?:oai|oay|oao|oeo|uây|uôi|ươi|ươu|iêu|yêu|uyu|uya|ai|ao|au|ay|âu|ây|eo|êu|ia|iu|oi|ôi|ơi|ua|ui|ưa|ưi|ưu)"
    "|(?:oa|uê|uy|[aêiy])(?P<final>ch|nh|ng|[cmnpt])?"         # only these take -ch, -nh: "oanh", "ếch"
    "|(?:uyê|oă|oe|oo|uâ|uô|uơ|ươ|iê|yê|[ăâeoôơuư])(?P<other>ng|[cmnpt])?)"
)
# After a final c, ch, p, t only the sắc and nặng tones are possible ("các", "cạc"; never "càc").
_STOP_TONES = (ACUTE, DOT, "")


def is_syllable(word: str) -> bool:
    """Whether word has the shape of one Vietnamese syllable (initial, vowels, final; at most one tone)."""
    parts = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in parts if c in TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
    match = _SYLLABLE.fullmatch(bare)
    if not match:
        return False
    final = match.group("final") or match.group("other")
    return final not in ("c", "ch", "p", "t") or "".join(tones) in _STOP_TONES


# --- conversion ------------------------------------------------------------------------------------

def _split(letter: str) -> tuple[str, str, str]:
    """A Unicode letter as (base letter with horn or none, modifier, tone): "ấ" -> ("a", "\u0302", "\u0301")."""
    parts = unicodedata.normalize("NFD", letter)
    tone = next((c for c in parts if c in TONES), "")
    modifier = next((c for c in parts if c in (CIRCUMFLEX, BREVE)), "")
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES and c not in (CIRCUMFLEX, BREVE)))
    return base, modifier, tone


def _compose(base: str, modifier: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + modifier + tone)


def _tcvn3_to_unicode(text: str) -> str:
    out: list[str] = []
    for c in text:
        letter = _TCVN3_LETTERS.get(c)
        if letter is None:
            out.append(c)
            continue
        # TCVN3 has no upper-case toned letters: "Aµ" (the capital, then the toned small letter) stands for "À"
        base, modifier, tone = _split(letter)
        if tone and out and out[-1] == _compose(base, modifier, "").upper():
            out[-1] = letter.upper()
        else:
            out.append(letter)
    return "".join(out)


def _vni_to_unicode(text: str) -> str:
    out: list[str] = []
    for c in text:
        mark = _VNI_MARKS.get(c)
        if mark and out:
            base, modifier, tone = _split(out[-1])
            add_modifier, add_tone = mark
            fits = (base.lower() in "aeiouyơư" and not tone and not (add_modifier and modifier)
                    and (add_modifier != CIRCUMFLEX or base.lower() in "aeo")
                    and (add_modifier != BREVE or base.lower() == "a"))
            if fits:
                out[-1] = _compose(base, modifier or add_modifier, add_tone)
                continue
        out.append(_VNI_LETTERS.get(c, c))
    return "".join(out)


_DECODERS = {TCVN3: _tcvn3_to_unicode, VNI: _vni_to_unicode}


def to_unicode(text: str, encoding: str) -> str:
    """text, pasted from a document in encoding (TCVN3 or VNI), as Unicode NFC."""
    return unicodedata.normalize("NFC", _DECODERS[encoding](text))


def from_unicode(text: str, encoding: str) -> str:
    """Unicode Vietnamese as it reads when typed in a TCVN3 or VNI font (to test with, and to explain)."""
    out: list[str] = []
    for c in unicodedata.normalize("NFC", text):
        if encoding == TCVN3:
            if c in _TO_TCVN3:
                out.append(_TO_TCVN3[c])
            elif c.lower() in _TO_TCVN3 and c.lower() != c:  # a capital TCVN3 lacks: the capital base, then the letter
                base, modifier, _ = _split(c)
                out.append(_TO_TCVN3.get(_compose(base, modifier, ""), _compose(base, modifier, "")))
                out.append(_TO_TCVN3[c.lower()])
            else:
                out.append(c)
            continue
        if c in _TO_VNI_LETTER:
            out.append(_TO_VNI_LETTER[c])
            continue
        base, modifier, tone = _split(c)
        if base.lower() in ("ơ", "ư") and tone:
            out.append(_TO_VNI_LETTER[base] + _vni_mark("", tone, base.isupper()))
        elif base.lower() in "aeiouy" and (modifier or tone) and c not in "íìÍÌ":
            out.append(base + _vni_mark(modifier, tone, base.isupper()))
        else:
            out.append(c)
    return "".join(out)


def _vni_mark(modifier: str, tone: str, upper: bool) -> str:
    mark = _FROM_VNI_MARK[(modifier, tone)]
    return mark.upper() if upper else mark


# --- detection -------------------------------------------------------------------------------------

def detect(text: str) -> str | None:
    """TCVN3 or VNI when text reads as Vietnamese in that encoding and clearly not as Unicode; else None."""
    if text.isascii():  # both encodings write Vietnamese's marks above U+00A0
        return None
    return _detect_short(text) if len(text) <= 256 else _detect(text)


def _detect(text: str) -> str | None:
    text = unicodedata.normalize("NFC", text)
    if not _LATIN1.search(text) or _UNICODE_ONLY.search(text):
        return None
    words = [w for w in _WORD.findall(text) if _LATIN1.search(w)]
    if not words:
        return None
    if len(words) == 1 and all(unicodedata.category(c) in ("Lu", "Ll") and c not in "µªº"
                               for c in _LATIN1.findall(words[0])):
        return None  # one word with only European letters ("Bø", "Sôû"): too little to call it legacy
    as_unicode = sum(map(is_syllable, words))
    scores = {enc: sum(is_syllable(decode(word)) for word in words) for enc, decode in _DECODERS.items()}
    if scores[TCVN3] == scores[VNI]:  # TCVN3 writes its commonest letters (à á ă â ê ô ơ ư đ) as the signs ¡-¿,
        best = TCVN3 if _SIGNS.search(text) else VNI  # which VNI never uses
    else:
        best = max(scores, key=lambda enc: scores[enc])
    if scores[best] > as_unicode and scores[best] >= math.ceil(0.75 * len(words)):
        return best
    return None


# a short text's answer is kept: a batch's rows repeat their issuer, units, places and names
_detect_short = lru_cache(maxsize=4096)(_detect)


# --- data ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Legacy:
    """One field found in a legacy encoding."""

    path: str
    encoding: str
    text: str

    @property
    def converted(self) -> str:
        return to_unicode(self.text, self.encoding)

    def refusal(self) -> str:
        return (f"có vẻ là chữ {NAMES[self.encoding]} dán từ văn bản cũ (“{_short(self.text)}” đọc là "
                f"“{_short(self.converted)}”): hãy chuyển sang Unicode (Unikey: Công cụ chuyển mã), "
                "hoặc đặt convert_legacy=True để formgen tự chuyển.")

    def note(self) -> str:
        return f"Đã chuyển chữ {NAMES[self.encoding]} sang Unicode: “{_short(self.converted)}”."


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def texts_in(data) -> tuple[list, list[str]]:
    """Every key and every text value in data (dicts, lists), without their paths: the quick look that finds
    nothing in most data (the walks that name a path run only when it finds something). Each container is
    visited once (YAML aliases share one), without recursion (data may nest deep)."""
    keys: list = []
    values: list[str] = []
    seen: set[int] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            if isinstance(value, dict):
                keys.extend(value)
                stack.extend(value.values())
            else:
                stack.extend(value)
    return keys, values


def find_legacy(data, path: str = "") -> list[Legacy]:
    """Every text value in data (dicts, lists) that detect() calls legacy, with its path (a.b[2].c).

    Each container is visited once (YAML aliases share one), without recursion (data may nest deep).
    """
    if not any(map(detect, texts_in(data)[1])):
        return []
    found: list[Legacy] = []
    seen: set[int] = set()
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            encoding = detect(value)
            if encoding:
                found.append(Legacy(where, encoding, value))
        elif isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            if isinstance(value, dict):
                children = [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
            else:
                children = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
            stack.extend(reversed(children))
    return found


def convert_legacy(data, found: list[Legacy]):
    """A copy of data with each found field converted to Unicode (the caller notes which: Legacy.note())."""
    targets = {f.path: f for f in found}

    def walk(value, path: str):
        if path in targets:
            return targets[path].converted
        if not any(t.startswith(path) for t in targets):
            return value  # nothing to convert below: shared as it is, never expanded
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    return walk(data, "") if targets else data
