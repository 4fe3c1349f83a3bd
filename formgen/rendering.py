"""DOCX rendering with docxtpl: sandboxed, autoescaped, strict about gaps; written atomically."""
from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
import zipfile
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.packuri import PackURI
from docx.opc.parts.coreprops import CorePropertiesPart
from docxtpl import DocxTemplate
from jinja2 import FunctionLoader, StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from . import layout
from .errors import InvalidInput
from .files import write_atomically


def jinja_env() -> SandboxedEnvironment:
    """Values print literally (& < {{ }}), a missing variable is an error, templates cannot reach out.

    The sandbox refuses hidden attributes (__class__, __globals__...); of Jinja's globals only range
    is kept (the sandbox bounds it), so lipsum, cycler, joiner, namespace are not there to be
    called; and the loader finds no template, so {% include %}, {% import %}, {% extends %} cannot
    read a file.
    """
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, loader=FunctionLoader(_no_template))
    env.globals = {"range": _capped_range}
    env.filters.update(rule=layout.rule, keep_last_words=layout.keep_last_words)  # sized at render time
    return env


def _capped_range(*args) -> range:
    """range, at most range_items numbers (limits.yaml): a loop over it cannot run for ever."""
    from .package import limits  # imported here: package.py is only needed when a template counts
    numbers = range(*args)
    cap = limits()["render"]["range_items"]
    if numbers[cap:]:  # len() overflows on range(10**20); a slice does not
        shown = f"{cap:,}".replace(",", ".")  # Vietnamese groups thousands with dots
        raise SecurityError(f"range(...) quá {shown} số, giới hạn của một mẫu")
    return numbers


def _no_template(name: str):
    return None  # TemplateNotFound: a template reads no other file


def builtin_templates_folder():
    """The folder of the templates that ship with formgen (a Traversable: it may sit inside a wheel)."""
    return resources.files("formgen") / "templates" / "docx"


@lru_cache(maxsize=64)
def builtin_template(name: str) -> Path:
    """The path of a template formgen ships (cached: a batch asks for every row; a file gone fails its render)."""
    resource = builtin_templates_folder() / name
    if not resource.is_file():
        raise InvalidInput(f"Không có mẫu văn bản {name}.")
    return Path(str(resource))


# The parts of a .docx that docxtpl renders: the body, headers, footers, footnotes, properties.
_RENDERED = re.compile(r"^(word/(document|header\d*|footer\d*|footnotes)\.xml|docProps/core\.xml)$")


class CompiledTemplate:
    """A docxtpl template prepared once: its parts patched by docxtpl and compiled by Jinja.

    Rendering a document then costs a Jinja render per part and a zip write, instead of parsing
    the .docx, patching and compiling the XML, and serialising it again (docxtpl's render, which
    is kept for templates that need its tree fix-ups: column loops {%tc %}, images, sub-documents).
    """

    def __init__(self, path: Path):
        self.path = path
        self.env = jinja_env()
        with zipfile.ZipFile(path) as z:
            self.entries = [(info, z.read(info)) for info in z.infolist()]
        if not any(info.filename == "word/document.xml" for info, _ in self.entries):
            raise KeyError("word/document.xml")
        helper = DocxTemplate(str(path))  # docxtpl's own patch: tags split across runs, {%p %}, {%tr %}...
        self.parts: dict[str, object] = {}
        for info, data in self.entries:
            if _RENDERED.match(info.filename):
                template = _part_template(self.env, helper, path, info.filename, data)
                if template is not None:
                    self.parts[info.filename] = template
        self.listing = helper.resolve_listing
        self.core = next((data for info, data in self.entries if info.filename == CORE), None)
        # whatever is not rendered is compressed once and opens every document as it is, its directory entries too
        self.static = _placed([_member(info.filename, data, 9) for info, data in self.entries
                               if info.filename not in self.parts and info.filename != CORE])

    def render(self, context: dict) -> bytes:
        members = []
        core = self.core
        for name, template in self.parts.items():
            xml = template.render(context).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            if "{_" in xml or "_}" in xml:  # docxtpl's escaped tags, printed as tags
                xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            if name == CORE:  # a template's own tags in its properties, rendered, then ours set
                core = xml.encode("utf-8")
            else:
                members.append(_member(name, (self.listing(xml) if _LISTING.search(xml) else xml).encode("utf-8")))
        if core is not None:
            members.append(_member(CORE, core_properties(core, context)))
        return _zipped(self.static, members)


def part_source(helper: DocxTemplate, data: bytes) -> str | None:
    """A part as Jinja compiles it: docxtpl's patch, each paragraph on a line of its own; None without a tag."""
    xml = helper.patch_xml(data.decode("utf-8"))
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml) if "{" in xml else None


def _part_template(env, helper: DocxTemplate, path: Path, part: str, data: bytes):
    """A part's compiled template: a shipped template's compiled ahead (formgen/template_modules.py) when it is
    there for these very bytes, else compiled here; None when the part holds no tag."""
    if _shipped(str(path)):
        from . import template_modules
        ahead = template_modules.load(env, template_modules.part_name(path.name, part, data))
        if ahead is not None:
            return ahead
    source = part_source(helper, data)
    return env.from_string(source) if source is not None else None


def shipped_part_sources() -> dict[str, str]:
    """Every shipped template's rendered parts that hold a tag, as _part_template compiles them, by the name
    template_modules.part_name gives them (what tools/build_compiled_templates.py compiles ahead)."""
    from . import template_modules
    found = {}
    for template in sorted(Path(str(builtin_templates_folder())).glob("*.docx")):
        helper = DocxTemplate(str(template))
        with zipfile.ZipFile(template) as z:
            for info in z.infolist():
                if _RENDERED.match(info.filename):
                    data = z.read(info)
                    source = part_source(helper, data)
                    if source is not None:
                        found[template_modules.part_name(template.name, info.filename, data)] = source
    return found


# Text docxtpl's listing pass changes: a tab, new line, paragraph (\a) or page (\f) mark inside a <w:t>. Without
# one, that pass (a regular expression per paragraph, run and text) gives the part back as it was: it is skipped.
_LISTING = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\n\a\f]")

# zlib's level for the parts rendered per document: 3 writes document.xml ~10% larger than the default 6 in a
# third of the time; the parts every document shares are compressed once, at the best level (9)
COMPRESS_LEVEL = 3


@lru_cache(maxsize=64)
def _member(name: str, data: bytes, level: int = COMPRESS_LEVEL) -> tuple[zipfile.ZipInfo, bytes]:
    """A member as Word writes it, deflated: its directory entry and its bytes (local header and data), which
    do not depend on where in the zip they stand. Cached: a header, a footer, the properties written in the
    same second are the same bytes in most of a batch's documents, and are compressed once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo alone is stored, ten times the size
        z.writestr(info, data, compresslevel=level)
        end = buffer.tell()  # where the directory will start
    return z.getinfo(name), buffer.getvalue()[:end]


def _placed(members: list[tuple[zipfile.ZipInfo, bytes]], start: int = 0) -> tuple[list[zipfile.ZipInfo], bytes]:
    """Members one after the other from offset start: their directory entries (copies, placed) and their bytes."""
    placed, offset = [], start
    for info, data in members:
        info = copy.copy(info)
        info.header_offset = offset
        offset += len(data)
        placed.append(info)
    return placed, b"".join(data for _, data in members)


def _zipped(static: tuple[list[zipfile.ZipInfo], bytes], members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """The .docx of the shared members (placed first) then these, in this order, then zipfile's directory."""
    infos, data = static
    more, tail = _placed(members, len(data))
    buffer = io.BytesIO()
    buffer.write(data)
    buffer.write(tail)
    with zipfile.ZipFile(buffer, "w") as z:  # starts at the end of the members: writes only their directory
        for info in infos + more:
            z.filelist.append(info)
            z.NameToInfo[info.filename] = info
    return buffer.getvalue()


CORE = "docProps/core.xml"


def document_properties(props, context: dict) -> None:
    """The document's title, its issuer as author and the time of rendering, in its core properties.

    A colleague's Word shows them (File › Info); the template's own (formgen, its build date) would lie.
    """
    _set_properties(props, *_properties_of(context))


def _properties_of(context: dict) -> tuple[str, str, dt.datetime]:
    """(title, author, time of rendering to the second) of a document."""
    kind, subject = context.get("type_title", ""), context.get("subject", "")
    title = " ".join(t for t in (kind.capitalize(), subject[:1].lower() + subject[1:]) if t)
    return title, context.get("issuer_name") or "", dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _set_properties(props, title: str, author: str, now: dt.datetime) -> None:
    if title:
        props.title = title
    if author:
        props.author = props.last_modified_by = author
    props.created = props.modified = now
    props.revision = 1
    props.comments = ""


def core_properties(xml: bytes, context: dict) -> bytes:
    """docProps/core.xml of one document, from the template's, with document_properties set."""
    return _core_blob(xml, *_properties_of(context))


@lru_cache(maxsize=16)
def _core_blob(xml: bytes, title: str, author: str, now: dt.datetime) -> bytes:
    """The same properties in the same second are the same bytes: a batch's rows mostly share them."""
    part = CorePropertiesPart.load(PackURI("/" + CORE), CT.OPC_CORE_PROPERTIES, xml, None)
    _set_properties(part.core_properties, title, author, now)
    return part.blob


@lru_cache(maxsize=64)
def _compiled(path: str, _mtime: int) -> CompiledTemplate | None:
    """One compiled template per file and process; None when it needs docxtpl's full render."""
    with zipfile.ZipFile(path) as z:
        body = z.read("word/document.xml")
    if b"{%tc" in body or b"<w:drawing" in body:
        return None
    return CompiledTemplate(Path(path))


def render_docx(template: Path, context: dict, out: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Render template with context into out; on any failure nothing is left at out.

    A template formgen does not ship renders in a child process under the limits of limits.yaml,
    and what it renders is checked as the template was before it is written.
    """
    if _shipped(str(template)):
        with _template_errors(template):
            data = _render_bytes(template, context)
    else:
        from .sandbox import run_limited  # imported here: sandbox.py builds on package.py
        data = run_limited(f"“{template}”", _render_untrusted, template, context)
    return write_atomically(out, data, overwrite=overwrite)


def _render_bytes(template: Path, context: dict) -> bytes:
    compiled = _compiled(str(template), template.stat().st_mtime_ns)
    if compiled is not None:
        return compiled.render(context)
    doc = DocxTemplate(str(template))
    doc.render(context, jinja_env=jinja_env(), autoescape=True)
    document_properties(doc.docx.core_properties, context)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@contextmanager
def _template_errors(template: Path):
    """What rendering a template raises, as one line naming the template (exit 2)."""
    try:
        yield
    except UndefinedError as exc:
        raise InvalidInput(f"Mẫu {template.name} dùng biến không có trong dữ liệu: {exc.message}.") from None
    except TemplateError as exc:
        raise InvalidInput(f"Mẫu {template.name} có thẻ lỗi: {str(exc).rstrip('.')}.") from None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:  # not a .docx, or no document part
        raise InvalidInput(f"Không mở được mẫu {template}: {exc}.") from None


@lru_cache(maxsize=64)
def _shipped(path: str) -> bool:
    """Whether a template is one formgen ships (cached: a batch asks for every row)."""
    return Path(path).resolve().parent == Path(str(builtin_templates_folder())).resolve()


def _render_untrusted(template: Path, context: dict) -> bytes:
    """A user's template rendered (in the limited child): whatever it raises is the template's fault."""
    from .package import require_safe_package
    with _template_errors(template):
        try:
            data = _render_bytes(template, context)
        except (TypeError, ArithmeticError, LookupError, AttributeError) as exc:  # 1 + 'a', x / 0, a[99]...
            raise InvalidInput(f"Mẫu {template.name} lỗi khi dựng văn bản: {exc}.") from None
    require_safe_package(data, f"dựng từ mẫu “{template.name}”", what="Văn bản")
    return data
