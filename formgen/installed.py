"""The version of an installed distribution, found as importlib.metadata finds it, without importing it."""
from __future__ import annotations

import os
import sys


def installed_version(name: str) -> str:
    """importlib.metadata.version(name), read from the METADATA of the first folder of sys.path holding the
    distribution's .dist-info, as importlib.metadata finds it: importing importlib.metadata (and the email package
    it imports) costs a letter 12 ms. Anything less plain (an .egg-info, two candidates, a zip) asks it."""
    wanted = name.replace("-", "_").replace(".", "_").lower()
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        found = [e for e in entries if e.lower().endswith((".dist-info", ".egg-info"))
                 and e.split("-")[0].replace(".", "_").lower() == wanted]
        if found:
            version = _metadata_version(os.path.join(folder or ".", found[0])) if len(found) == 1 else None
            return version or _metadata_lookup(name)
    return _metadata_lookup(name)


def _metadata_version(dist_info: str) -> str | None:
    """The Version: header of a .dist-info's METADATA (the headers end at the first blank line)."""
    if not dist_info.endswith(".dist-info"):
        return None
    try:
        with open(os.path.join(dist_info, "METADATA"), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                if key.strip().lower() == "version" and value.strip():
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _metadata_lookup(name: str) -> str:
    from importlib.metadata import version
    return version(name)
