"""DOCX rendering with docxtpl: sandboxed, autoescaped, strict about gaps; written atomically."""
from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from .errors import EnvironmentFailed, InvalidInput


def jinja_env() -> SandboxedEnvironment:
    """Values print literally (& < {{ }}), a missing variable is an error, templates cannot reach out."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def builtin_templates_folder():
    """The folder of the templates that ship with formgen (a Traversable: it may sit inside a wheel)."""
    return resources.files("formgen") / "templates" / "docx"


def builtin_template(name: str) -> Path:
    resource = builtin_templates_folder() / name
    if not resource.is_file():
        raise InvalidInput(f"Không có mẫu văn bản {name}.")
    return Path(str(resource))


def find_template(name: str, templates_dir: str | os.PathLike | None) -> Path:
    """A user's edited copy in templates_dir wins over the built-in template of the same name.

    The copy is checked first (broken tags, unknown variables, missing content) and refused with
    every problem listed; the built-in templates are checked by the test suite, not at each render.
    """
    if templates_dir is not None:
        custom = Path(templates_dir) / name
        if custom.is_file():
            from .templates import require_usable  # imported here: templates.py builds on this module
            return require_usable(custom)
        if not Path(templates_dir).is_dir():
            raise InvalidInput(f"Không tìm thấy thư mục mẫu “{templates_dir}”.")
    return builtin_template(name)


def render_docx(template: Path, context: dict, out: str | os.PathLike) -> Path:
    """Render template with context into out; on any failure nothing is left at out."""
    try:
        doc = DocxTemplate(str(template))
        doc.render(context, jinja_env=jinja_env(), autoescape=True)
    except UndefinedError as exc:
        raise InvalidInput(f"Mẫu {template.name} dùng biến không có trong dữ liệu: {exc.message}.") from None
    except TemplateError as exc:
        raise InvalidInput(f"Mẫu {template.name} có thẻ lỗi: {exc}.") from None
    except (OSError, KeyError, ValueError) as exc:  # not a .docx, or a zip without a document part
        raise InvalidInput(f"Không mở được mẫu {template}: {exc}.") from None
    return write_atomically(out, doc.save)


def write_atomically(out: str | os.PathLike, save) -> Path:
    """Call save(path) on a temporary file beside out, then rename it into place."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"Thư mục đích không tồn tại: {folder}.")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise EnvironmentFailed(f"Không ghi được tệp {out}: {exc.strerror or exc}.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
