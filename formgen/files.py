"""Writing files safely: whole or not at all, with the user's umask, under a name that says what it holds."""
from __future__ import annotations

import errno
import os
import secrets
import tempfile
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
# Names that are files, not folders: what formgen writes and the tables it reads.
FILE_SUFFIXES = (".docx", ".pdf", ".csv", ".xlsx", ".json", ".jsonl", ".yaml", ".yml")


def _reason(exc: OSError, folder: Path) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc)).format(folder=folder)


def refuse_existing(*paths: str | os.PathLike) -> None:
    """InvalidInput naming the outputs that already exist: without overwrite, nothing is replaced."""
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        raise InvalidInput(f"Đã có tệp {', '.join(existing)}: không ghi đè (đặt overwrite=True để ghi đè).")


def refuse_input_as_output(out: str | os.PathLike, *inputs: str | os.PathLike | None) -> None:
    """An output that is one of the command's own input files is refused, even with --overwrite (exit 2)."""
    for given in filter(None, inputs):
        if os.path.exists(out) and os.path.exists(given) and os.path.samefile(out, given):
            raise InvalidInput(f"Tệp đầu ra {out} là tệp đầu vào {given}: không ghi đè tệp đầu vào; chọn tên khác.")


def require_suffix(out: str | os.PathLike, suffix: str, what: str, *, pdf_flag: bool = False) -> None:
    """Refuse an output whose name does not end in suffix (any case): the name says what the file holds.

    what is the kind of file in Vietnamese ("văn bản Word .docx"); with pdf_flag, a .pdf name for a
    .docx is answered with pdf=True, which writes the PDF beside the .docx.
    """
    out = Path(out)
    if out.suffix.lower() == suffix:
        return
    wanted = out.with_suffix(suffix) if out.suffix else out.with_name(out.name + suffix)
    if pdf_flag and out.suffix.lower() == ".pdf":
        raise InvalidInput(f"Tệp đầu ra {out} phải có đuôi {suffix} (formgen ghi {what}); muốn có bản PDF, "
                           f"đặt out={wanted} và pdf=True: bản PDF {out.name} được ghi cạnh tệp {wanted.name}.")
    raise InvalidInput(f"Tệp đầu ra {out} phải có đuôi {suffix} (formgen ghi {what}), ví dụ {wanted}.")


def output_folder(folder: str | os.PathLike) -> Path:
    """A folder to write many files into: created if missing, refused if its name is a file's, proven writable.

    A name like danh-sach.docx is refused (exit 2) before anything is made; a folder the machine will
    not let formgen create or write into is one line naming it (exit 3), before any document is made.
    """
    folder = Path(folder)
    if folder.suffix.lower() in FILE_SUFFIXES and not folder.is_dir():
        raise InvalidInput(f"Đầu ra {folder} là tên tệp ({folder.suffix}), không phải thư mục: "
                           f"hãy ghi một thư mục, ví dụ {folder.with_suffix('')}.")
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"“{folder}” là một tệp, không phải thư mục.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # permissions, a read-only disk, an immutable folder
            pass
    except OSError as exc:
        raise EnvironmentFailed(f"Không ghi được vào thư mục đầu ra {folder}: {_reason(exc, folder)}.") from None
    return folder


def write_atomically(out: str | os.PathLike, save, *, overwrite: bool = True) -> Path:
    """Write a temporary file beside out, then rename it into place: save is the file's bytes, or a
    function save(path) that writes the temporary file.

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
    tmp, renamed = None, False
    try:
        tmp = _new_file_beside(out, save if isinstance(save, bytes) else b"")
        if not isinstance(save, bytes):
            save(str(tmp))
        if overwrite:
            os.replace(tmp, out)
            renamed = True
        else:
            _link_new(tmp, out)
    except OSError as exc:
        raise EnvironmentFailed(f"Không ghi được tệp {out}: {_reason(exc, folder)}.") from None
    finally:
        if tmp is not None and not renamed and os.path.exists(tmp):
            os.unlink(tmp)
    return out


def _new_file_beside(out: Path, data: bytes = b"") -> Path:
    """A new hidden file in out's folder holding data, made with mode 0666 for the umask to trim (mkstemp: 0600)."""
    while True:
        tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        with open(fd, "wb") as f:  # closes fd
            f.write(data)
        return tmp


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
