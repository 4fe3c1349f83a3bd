"""Writing files safely: whole or not at all, with the user's umask, never over a file not meant to be replaced."""
from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from .errors import EnvironmentFailed, InvalidInput

# Why a file could not be written, as a văn thư reads it (the system's own words are English).
_REASONS = {
    errno.EACCES: "không có quyền ghi vào thư mục {folder}",
    errno.EPERM: "không có quyền ghi vào thư mục {folder}",
    errno.EROFS: "thư mục {folder} chỉ đọc",
    errno.ENOSPC: "đĩa đầy",
    errno.EDQUOT: "hết dung lượng được cấp trên đĩa",
    errno.ENOENT: "thư mục {folder} không tồn tại",
    errno.ENOTDIR: "{folder} không phải thư mục",
    errno.ENAMETOOLONG: "tên tệp quá dài",
}



def _reason(exc: OSError, folder: Path) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc)).format(folder=folder)


def refuse_existing(*paths: str | os.PathLike) -> None:
    """InvalidInput naming the outputs that already exist: without overwrite, nothing is replaced."""
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        raise InvalidInput(f"Đã có tệp {', '.join(existing)}: không ghi đè (thêm --overwrite để ghi đè).")


def write_atomically(out: str | os.PathLike, save, *, overwrite: bool = True) -> Path:
    """Call save(path) on a temporary file beside out, then rename it into place.

    The file gets the mode the user's umask gives (0644 under 022), as any program's new file would.
    An interrupted run leaves out as it was (the temporary file is removed). Without overwrite, an
    existing out is refused (InvalidInput) even if it appeared while saving: the file is linked into
    place, which fails when the name is taken, instead of renamed over it. A folder the machine will
    not let formgen write into is EnvironmentFailed naming out.
    """
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        if folder.exists():
            raise InvalidInput(f"Không ghi được tệp {out}: {folder} là một tệp, không phải thư mục.")
        raise InvalidInput(f"Thư mục đích không tồn tại: {folder}.")
    if not overwrite:
        refuse_existing(out)
    tmp = None
    try:
        tmp = _new_file_beside(out)
        save(str(tmp))
        if overwrite:
            os.replace(tmp, out)
        else:
            _link_new(tmp, out)
    except OSError as exc:
        raise EnvironmentFailed(f"Không ghi được tệp {out}: {_reason(exc, folder)}.") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _new_file_beside(out: Path) -> Path:
    """A new, empty, hidden file in out's folder, made with mode 0666 for the umask to trim (mkstemp: 0600)."""
    while True:
        tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


def _link_new(tmp: Path, out: Path) -> None:
    """Put tmp at out only if out does not exist (a hard link is atomic and never replaces)."""
    try:
        os.link(tmp, out)
    except FileExistsError:
        refuse_existing(out)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
            raise
        refuse_existing(out)  # a file system without hard links: check, then rename
        os.replace(tmp, out)
