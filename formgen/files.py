"""Writing files safely: whole or not at all, never over a file the user did not ask to replace."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import EnvironmentFailed, InvalidInput


def refuse_existing(*paths: str | os.PathLike) -> None:
    """InvalidInput naming the outputs that already exist: without overwrite, nothing is replaced."""
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        raise InvalidInput(f"Đã có tệp {', '.join(existing)}: không ghi đè (thêm --overwrite để ghi đè).")


def write_atomically(out: str | os.PathLike, save, *, overwrite: bool = True) -> Path:
    """Call save(path) on a temporary file beside out, then rename it into place.

    An interrupted run leaves out as it was (the temporary file is removed). Without overwrite, an
    existing out is refused (InvalidInput) even if it appeared while saving: the file is linked into
    place, which fails when the name is taken, instead of renamed over it.
    """
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"Thư mục đích không tồn tại: {folder}.")
    if not overwrite:
        refuse_existing(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        save(tmp)
        if overwrite:
            os.replace(tmp, out)
        else:
            _link_new(tmp, out)
    except OSError as exc:
        raise EnvironmentFailed(f"Không ghi được tệp {out}: {exc.strerror or exc}.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _link_new(tmp: str, out: Path) -> None:
    """Put tmp at out only if out does not exist (a hard link is atomic and never replaces)."""
    try:
        os.link(tmp, out)
    except FileExistsError:
        refuse_existing(out)
    except OSError:  # a file system without hard links: check, then rename
        refuse_existing(out)
        os.replace(tmp, out)
