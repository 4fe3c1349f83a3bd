"""Official document formats (state: NĐ 30/2020; party: HD 36-HD/VPTW) as data."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import InvalidInput
from ..yamlio import load_yaml

ENV_FORMATS = "FORMGEN_FORMATS"  # folders (os.pathsep between) whose <style>.yaml wins over the built-in one


def load_format(style: str) -> dict:
    """The format profile for an issuer's style ("state" or "party"): a file of that name in a folder of
    $FORMGEN_FORMATS (a new guideline, before it ships), else the built-in one."""
    return _load(style, os.environ.get(ENV_FORMATS, ""))


@lru_cache(maxsize=None)
def _load(style: str, folders: str) -> dict:
    for folder in filter(None, folders.split(os.pathsep)):
        path = Path(folder) / f"{style}.yaml"
        if path.is_file():
            return load_yaml(path)
    resource = resources.files(__package__) / f"{style}.yaml"
    if not resource.is_file():
        raise InvalidInput(f"Chưa có thể thức văn bản “{style}”.", source="issuer.style")
    with resources.as_file(resource) as path:
        return load_yaml(path)


def format_styles() -> list[str]:
    """The formats shipped with formgen: one YAML file each."""
    folder = resources.files(__package__)
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def authority_spellings() -> dict[str, str]:
    """Every spelling of a signing authority the formats print (“KT.”, “K/T”, “KT”) -> its code."""
    spellings: dict[str, str] = {}
    for style in format_styles():
        for code, word in load_format(style)["authority"].items():
            for spelling in (code, word, word.rstrip(".")):
                spellings.setdefault(spelling, code)
    return spellings


def document_number(fmt: dict, number: int | None, doc_type: str, issuer_abbr: str) -> str:
    """“Số: 05/TTr-SNV”: as many digits as the format's numbering prescribes; a blank for the văn thư when not
    yet numbered."""
    shown = f"{number:0{fmt['numbering']['digits']}d}" if number else fmt["words"]["number_blank"]
    return fmt["words"]["number"].format(number=shown, type=doc_type, issuer=issuer_abbr)


def notation(fmt: dict, number: int | None, doc_type: str, issuer_abbr: str) -> str:
    """The number and notation without the word “Số”: “05/TTr-SNV”, “05-TTr/HU” (a stamp, the outgoing book)."""
    return re.sub(r"^Số:?\s*", "", document_number(fmt, number, doc_type, issuer_abbr)).strip()


def authority_lines(fmt: dict, signer: dict, issuer_name: str, upper) -> list[str]:
    """The signature's title lines: “KT. GIÁM ĐỐC” / “PHÓ GIÁM ĐỐC”, or the signer's title alone."""
    code, title = signer["authority"], upper(signer["title"])
    if code is None:
        return [title]
    word = fmt["authority"][code]
    if code == "Q":
        return [f"{word} {title}"]
    behalf = signer["on_behalf_of"] or issuer_name
    return [f"{word} {upper(behalf)}", title]
