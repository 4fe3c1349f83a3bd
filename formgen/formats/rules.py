"""Rules of the official format a văn thư applies to the data (signing authority, diacritics), from formats/*.yaml."""
from __future__ import annotations

import unicodedata
from typing import Iterator

from ..errors import InvalidInput, Problem
from ..vn import without_diacritics
from . import load_format


def _starts_with_any(text: str, prefixes: list[str]) -> bool:
    """“Phó Giám đốc” starts with “Phó”; compared without diacritics (F04 warns of those separately)."""
    key = without_diacritics(text)
    return any(key == without_diacritics(p) or key.startswith(without_diacritics(p) + " ") for p in prefixes)


def _signer_hits(fmt: dict, signer: dict, issuer: dict, where: str) -> Iterator[tuple[str, str, str, dict]]:
    """(rule code, variant, path, message values) for what the signature block says wrongly."""
    signing = fmt["signing"]
    code, title = signer["authority"], signer["title"]
    words = {"name": signer["name"], "title": title, "kt": fmt["authority"]["KT"], "tm": fmt["authority"]["TM"],
             "word": fmt["authority"][code] if code else ""}
    deputy = _starts_with_any(title, signing["deputy_titles"])
    if deputy and code not in signing["deputy_authorities"]:
        yield "F01", "deputy_not_kt" if code else "deputy_alone", f"{where}.authority", words
    if code == "KT" and not deputy:
        yield "F03", "kt_not_deputy", f"{where}.title", words
    if code == "TM":
        body = signer["on_behalf_of"] or issuer["name"]
        if not _starts_with_any(body, signing["collective_bodies"]):
            path = f"{where}.on_behalf_of" if signer["on_behalf_of"] else f"{where}.authority"
            yield "F02", "not_collective", path, {**words, "body": body,
                                                  "examples": ", ".join(signing["collective_bodies"][:3])}


def _names_and_titles(data: dict, section: str) -> list[str]:
    """The people's names and titles in a file, and its issuer's name."""
    texts = []
    d = data.get("delegation")
    if d:
        for person in (d["leader"], *d["members"]):
            texts += [person["name"], person["position"]]
    signer = (data.get(section) or {}).get("signer")
    if signer:
        texts += [signer["name"], signer["title"]]
    return [t for t in texts + [data["issuer"]["name"]] if t]


def _has_diacritics(text: str) -> bool:
    return any(c.isalpha() and not c.isascii() for c in unicodedata.normalize("NFC", text))


def _diacritic_hits(data: dict, section: str) -> Iterator[tuple[str, str, str, dict]]:
    texts = _names_and_titles(data, section)
    if texts and not any(_has_diacritics(t) for t in texts):
        yield "F04", "no_diacritics", "delegation" if data.get("delegation") else section, {"example": texts[0]}


def check_format(data: dict, section: str) -> list[Problem]:
    """The format's own rules for the document in `section` of validated data, as findings like the policy's."""
    fmt = load_format(data["issuer"]["style"])
    signer = (data.get(section) or {}).get("signer")
    hits = list(_signer_hits(fmt, signer, data["issuer"], f"{section}.signer")) if signer else []
    hits += _diacritic_hits(data, section)
    found = []
    for code, variant, path, params in hits:
        rule = fmt["rules"][code]
        try:
            message = " ".join(rule["messages"][variant].format(**params).split())
        except KeyError as exc:
            raise InvalidInput(f"Thể thức “{fmt['id']}”, quy tắc {code}: lời nhắn “{variant}” thiếu hoặc dùng "
                               f"biến không có: {exc}.") from None
        found.append(Problem(path=path, message=message, code=code, severity=rule["severity"],
                             citation=rule["citation"]))
    return found
