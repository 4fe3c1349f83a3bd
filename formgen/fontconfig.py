"""fontconfig's answer for a font family (fc-match): the file LibreOffice would set the family in."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def fc_match(family: str) -> Path | None:
    """The font file fontconfig gives for family ("Times New Roman", "Times New Roman:bold"); None without one."""
    if not shutil.which("fc-match"):
        return None
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
