"""fontconfig's answer for a font family (fc-match): the file LibreOffice would set the family in."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def fc_match(family: str) -> Path | None:
    """The font file fontconfig gives for family ("Times New Roman", "Times New Roman:bold"); None without one."""
    return fc_match_all(family)[0]


def fc_match_all(*families: str) -> list[Path | None]:
    """fc_match of each family, the fc-match processes run side by side (a letter asks for regular and bold)."""
    if not shutil.which("fc-match"):
        return [None] * len(families)
    started: list[subprocess.Popen | None] = []
    for family in families:
        try:
            started.append(subprocess.Popen(["fc-match", "-f", "%{file}", family], stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True))
        except OSError:
            started.append(None)
    return [_answer(process) for process in started]


def _answer(process: subprocess.Popen | None) -> Path | None:
    if process is None:
        return None
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.SubprocessError:
        process.kill()
        process.communicate()
        return None
    return Path(out.strip()) if process.returncode == 0 and out.strip() else None
