"""The .docx templates: find the one a document uses, export the built-in ones for editing, check an edited copy."""
from __future__ import annotations

import copy
import difflib
import html
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docx.opc.constants import CONTENT_TYPE
from docx.opc.exceptions import OpcError
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, meta, nodes

from .documents import KINDS, Kind
from .errors import InvalidInput, Problem
from .files import output_folder, write_atomically
from .package import require_safe_package
from .rendering import builtin_template, builtin_templates_folder, jinja_env
from .sandbox import run_limited

MARK = "formgen-paragraph"  # an attribute set on each <w:p> so a Jinja line number leads back to its paragraph
EXCERPT = 60                # characters of a tag or a line quoted in a message

# The delimiters as the user typed them; a space inside one ("{ {", "% }") is a tag Word or a hand broke.
DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}|\{\s+[{%#]|[}%#]\s+\}")
CLOSING = {"{{": "}}", "{%": "%}", "{#": "#}"}
# A statement tag, with docxtpl's p/tr/tc/r prefix (written right after "{%") kept apart from the keyword.
STATEMENT = re.compile(r"\{%-?(?:(tr|tc|p|r)\s)?\s*(\w+)(.*?)%\}", re.DOTALL)
BLOCKS = {"if", "for", "macro", "call", "filter", "block", "with", "autoescape", "raw", "set"}


def builtin_templates() -> list[Path]:
    """Every template formgen ships, named <kind>_<style>.docx."""
    return sorted(Path(str(p)) for p in builtin_templates_folder().iterdir() if p.name.endswith(".docx"))


def export_templates(folder, *, overwrite: bool = False) -> list[Path]:
    """Copy every built-in template into folder (created if missing); an existing file is kept unless overwrite."""
    folder = output_folder(folder)
    sources = builtin_templates()
    targets = [folder / source.name for source in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        names = ", ".join(f"“{t}”" for t in existing)
        raise InvalidInput(f"Đã có tệp {names}: không ghi đè (đặt overwrite=True để ghi đè).")
    for source, target in zip(sources, targets):
        write_atomically(target, lambda tmp, source=source: shutil.copyfile(source, tmp))
    return targets


def template_kind(path, kind: str | None = None) -> str:
    """The kind a template is for: the one given, or the one its name starts with (request_state.docx)."""
    if kind is not None:
        if kind not in KINDS:
            raise InvalidInput(f"Loại văn bản “{kind}” không có; chọn: {', '.join(KINDS)}.")
        return kind
    stem = Path(path).stem
    for name in sorted(KINDS, key=len, reverse=True):
        if stem == name or stem.startswith(f"{name}_"):
            return name
    raise InvalidInput(f"Không biết mẫu “{Path(path).name}” dùng cho loại văn bản nào: đặt tên tệp theo dạng "
                       "<loại>_<kiểu>.docx (ví dụ request_state.docx) hoặc chỉ rõ loại (tham số kind=): "
                       f"{', '.join(KINDS)}.")


def check_template(path, kind: str | None = None) -> list[Problem]:
    """Every problem of a template at once: broken tags, variables the kind lacks, required content missing.

    Body, headers, footers and footnotes are read as docxtpl renders them (its own patch_xml),
    so a tag Word split across runs and docxtpl rejoins is fine, and one it cannot rejoin is named.
    A package that reaches outside itself, declares a DTD, holds macros or is too big to inflate is
    refused first (InvalidInput naming the part); all of it runs under the render limits (sandbox.py).
    """
    path = Path(path)
    kind = template_kind(path, kind)
    return run_limited(f"“{path}”", _check_template, path, kind)


def _check_template(path: Path, kind: str) -> list[Problem]:
    template = _open(path)
    k = KINDS[kind]
    env = jinja_env()
    problems: list[Problem] = []
    used: dict[str, str] = {}  # variable -> where it is first used
    complete = True            # False when a part does not parse: what it uses is unknown
    broken = []                # the text of paragraphs already reported
    for part in _parts(template):
        problems += part.check(env)
        broken += [part.paragraphs[n - 1] for n in sorted(part.flagged) if n]
        if part.used is None:
            complete = False
        else:
            for name, where in part.used.items():
                used.setdefault(name, where)
    for name in sorted(set(used) - k.variables - set(env.globals)):
        problems.append(Problem(used[name], _unknown_variable(name, k)))
    if complete:
        for name in sorted(k.required - set(used)):
            if not any(re.search(rf"\b{re.escape(name)}\b", text) for text in broken):  # a broken tag names it
                problems.append(Problem("", f"Mẫu thiếu nội dung bắt buộc: {{{{ {name} }}}}."))
    return problems


def template_variables(path) -> set[str]:
    """The names a template reads (what docxtpl's get_undeclared_template_variables finds, part by part)."""
    return run_limited(f"“{path}”", _template_variables, Path(path))


def _template_variables(path: Path) -> set[str]:
    env = jinja_env()
    names: set[str] = set()
    for part in _parts(_open(path)):
        problems = part.check(env)
        if part.used is None:
            raise template_refusal(path, problems)
        names |= set(part.used)
    return names


def template_refusal(path, problems: list[Problem]) -> InvalidInput:
    """The error that refuses a template, every problem listed, each line naming the file."""
    details = "; ".join(p.message.rstrip(".") for p in problems)
    return InvalidInput(f"Mẫu “{path}” có {len(problems)} lỗi, chưa dùng được: {details}.", problems,
                        source=str(path))


def find_template(name: str, templates_dir: str | os.PathLike | None) -> Path:
    """A user's edited copy in templates_dir wins over the built-in template of the same name.

    The copy is checked first (broken tags, unknown variables, missing content) and refused with
    every problem listed; the built-in templates are checked by the test suite, not at each render.
    """
    if templates_dir is not None:
        custom = Path(templates_dir) / name
        if custom.is_file():
            return require_usable(custom)
        if not Path(templates_dir).is_dir():
            raise InvalidInput(f"Không tìm thấy thư mục mẫu “{templates_dir}”.")
    return builtin_template(name)


def require_usable(path, kind: str | None = None) -> Path:
    """path itself when check_template finds nothing; otherwise InvalidInput listing what it found.

    A template found usable is not checked again while its file stays the same (a batch renders it
    for every row).
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or (str(path), stat.st_mtime_ns, stat.st_size, kind) not in _USABLE:
        problems = check_template(path, kind)
        if problems:
            raise template_refusal(path, problems)
        if stat is not None:
            _USABLE.add((str(path), stat.st_mtime_ns, stat.st_size, kind))
    return path


_USABLE: set[tuple] = set()  # (path, mtime, size, kind) of the templates check_template found nothing in


def _unknown_variable(name: str, kind: Kind) -> str:
    close = difflib.get_close_matches(name, sorted(kind.variables), n=1)
    hint = f" (có phải “{close[0]}”?)" if close else ""
    return f"Mẫu dùng biến “{name}” không có trong dữ liệu của loại văn bản “{kind.name}”{hint}."


def _open(path: Path) -> DocxTemplate:
    if not path.is_file():
        raise InvalidInput(f"Không tìm thấy tệp mẫu “{path}”.")
    try:
        with zipfile.ZipFile(path) as archive:  # its directory only: nothing is inflated yet
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise InvalidInput(f"“{path}” không phải tệp .docx (Word 2007 trở lên): hãy mở bằng Word hoặc LibreOffice "
                           "và lưu lại dạng .docx.") from None
    require_safe_package(path, f"“{path}”")  # before docxtpl inflates or parses anything
    if "word/document.xml" not in names:
        raise InvalidInput(f"“{path}” không phải tệp .docx: trong tệp không có phần nội dung (word/document.xml).")
    template = DocxTemplate(str(path))
    try:
        template.init_docx()
    except (OpcError, ValueError, KeyError, SyntaxError, zipfile.BadZipFile) as exc:  # SyntaxError: lxml's
        raise InvalidInput(f"Không đọc được mẫu “{path}”: {exc}.") from None
    return template


def _parts(template: DocxTemplate) -> list["_Part"]:
    """The parts docxtpl renders, in its order: the body, the headers, the footers, the footnotes."""
    parts = [_Part.read(template, "", template.docx._element.body)]
    for uri, label in ((template.HEADER_URI, "đầu trang"), (template.FOOTER_URI, "chân trang")):
        found = sorted(template.get_headers_footers(uri), key=lambda item: str(item[1].partname))
        for i, (_, part) in enumerate(found, 1):
            parts.append(_Part.read(template, f"{label} {i}", parse_xml(part.blob)))
    for part in template.docx.part.package.iter_parts():
        if part.content_type == CONTENT_TYPE.WML_FOOTNOTES:
            parts.append(_Part.read(template, "chú thích cuối trang", parse_xml(part.blob)))
    return parts


@dataclass
class _Part:
    """One XML part of the template: its paragraphs as the user sees them, its source as Jinja sees it."""

    label: str               # "" for the body, "đầu trang 1", ...
    paragraphs: list[str]    # each paragraph's text, its runs joined
    source: str              # docxtpl's patched XML, a line per paragraph as DocxTemplate.render_xml_part has it
    used: dict[str, str] | None = None  # after check(): variable -> where first used; None: it does not parse
    flagged: set[int] = field(default_factory=set)  # paragraphs a problem was already reported in

    @classmethod
    def read(cls, template: DocxTemplate, label: str, element) -> "_Part":
        element = copy.deepcopy(element)
        texts = []
        for n, paragraph in enumerate(element.iter(qn("w:p")), 1):
            paragraph.set(MARK, str(n))
            own = (t for t in paragraph.iter(qn("w:t")) if next(t.iterancestors(qn("w:p"))) is paragraph)
            texts.append("".join(t.text or "" for t in own))
        xml = template.patch_xml(template.xml_to_string(element))
        return cls(label, texts, re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))

    def where(self, n: int | None) -> str:
        place = f"đoạn {n}" if n else ""
        return ", ".join(x for x in (self.label, place) if x)

    def problem(self, n: int, message: str) -> Problem:
        self.flagged.add(n)
        return Problem(self.where(n), message)

    def check(self, env) -> list[Problem]:
        """Delimiters, then blocks, then what Jinja says of the patched XML; fills self.used when it parses."""
        problems = self._delimiters()
        blocks = self._blocks()
        problems += blocks
        try:
            ast = env.parse(self.source)
            env.compile(ast)  # an unknown filter is found here, as at render time
        except TemplateSyntaxError as exc:
            n = self._paragraph_failing(exc)
            message = (exc.message or "").rstrip(".")
            block_error = message.startswith(("Unexpected end of template", "Encountered unknown tag 'end"))
            if n not in self.flagged and not (blocks and block_error):  # else: explained above, in the user's words
                problems.append(self.problem(n, f"Lỗi cú pháp trong thẻ: {message} "
                                                f"(ở “{_excerpt(self._line_text(exc.lineno))}”)."))
            self.used = None
            return problems
        problems += self._reaching_out(ast)
        names = meta.find_undeclared_variables(ast)
        first: dict[str, int] = {}
        for node in ast.find_all(nodes.Name):
            if node.name in names:
                first[node.name] = min(first.get(node.name, node.lineno), node.lineno)
        self.used = {name: self.where(self._paragraph_using(first.get(name), name)) for name in sorted(names)}
        return problems

    def _reaching_out(self, ast) -> list[Problem]:
        """Tags that would read another file or a hidden attribute: refused here, and by the sandbox at render."""
        found = []
        for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            tag = type(node).__name__.lower().replace("fromimport", "from ... import")
            found.append(self.problem(self._paragraph_using(node.lineno, tag),
                                      f"Mẫu không được dùng thẻ {{% {tag} %}}: mẫu không đọc tệp nào khác, mọi nội "
                                      "dung phải nằm ngay trong tệp .docx."))
        for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
            name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            if isinstance(name, str) and name.startswith("_"):
                found.append(self.problem(self._paragraph_using(node.lineno, name),
                                          f"Mẫu không được đọc thuộc tính ẩn “{name}”: chỉ dùng các biến của văn bản."))
        return found

    def _delimiters(self) -> list[Problem]:
        """A tag must open and close in one paragraph, with matching, unspaced delimiters."""
        found = []
        opened = None  # (paragraph, position, delimiter)
        for n, text in enumerate(self.paragraphs, 1):
            for m in DELIMITER.finditer(text):
                token = re.sub(r"\s+", "", m.group())
                if token != m.group():
                    context = (_excerpt(text[m.start():]) if token in CLOSING
                               else _excerpt(text[:m.end()], tail=True))
                    found.append(self.problem(n, f"Dấu ngoặc của thẻ bị tách: “{m.group()}” phải viết liền "
                                                 f"“{token}” (ở “{context}”)."))
                if token in CLOSING:
                    if opened:
                        found.append(self._unclosed(*opened))
                    opened = (n, m.start(), token)
                    continue
                if opened is None:
                    opening = next(o for o, c in CLOSING.items() if c == token)
                    found.append(self.problem(n, f"“{token}” không có “{opening}” mở trước nó "
                                                 f"(ở “{_excerpt(text[:m.end()], tail=True)}”)."))
                    continue
                start_n, start, opening = opened
                opened = None
                if CLOSING[opening] != token:
                    found.append(self.problem(n, f"Thẻ mở bằng “{opening}” lại đóng bằng “{token}” "
                                                 f"(ở “{_excerpt(text[:m.end()], tail=True)}”)."))
                elif start_n != n:
                    head = self.paragraphs[start_n - 1][start:]
                    found.append(self.problem(start_n, f"Thẻ “{_excerpt(head)}” bị ngắt xuống đoạn {n} "
                                                       f"(“{_excerpt(text[:m.end()], tail=True)}”): "
                                                       "nối lại thành một đoạn."))
                    self.flagged.add(n)
        if opened:
            found.append(self._unclosed(*opened))
        return found

    def _unclosed(self, n: int, start: int, opening: str) -> Problem:
        return self.problem(n, f"Thẻ “{_excerpt(self.paragraphs[n - 1][start:])}” thiếu “{CLOSING[opening]}” "
                               "để đóng.")

    def _blocks(self) -> list[Problem]:
        """Every {% if %}, {% for %}... has its end tag, in order; blocks may span paragraphs."""
        found = []
        stack = []  # (paragraph, tag text, prefix, keyword)
        for n, text in enumerate(self.paragraphs, 1):
            text = re.sub(r"\{\s+([{%#])", r"{\1", re.sub(r"([}%#])\s+\}", r"\1}", text))  # reported already
            for m in STATEMENT.finditer(text):
                prefix, keyword, rest = m.group(1) or "", m.group(2), m.group(3)
                if keyword in BLOCKS and not (keyword == "set" and "=" in rest):
                    stack.append((n, m.group(), prefix, keyword))
                elif keyword.startswith("end") and keyword[3:] in BLOCKS:
                    wanted = keyword[3:]
                    if not any(k == wanted for *_, k in stack):
                        found.append(self.problem(n, f"Thẻ “{m.group()}” không có thẻ mở "
                                                     f"“{{%{prefix} {wanted} ... %}}” tương ứng."))
                        continue
                    while stack[-1][3] != wanted:
                        found.append(self._unended(*stack.pop()))
                    stack.pop()
        found += [self._unended(*item) for item in reversed(stack)]
        return found

    def _unended(self, n: int, tag: str, prefix: str, keyword: str) -> Problem:
        return self.problem(n, f"Thẻ “{_excerpt(tag)}” không có “{{%{prefix} end{keyword} %}}” đi kèm.")

    def _paragraphs_on(self, lineno: int | None) -> list[int]:
        """The paragraphs whose text Jinja sees on a line: the one that starts it, and those docxtpl folded
        into it ({%p %}, {%tr %} rows and tags split across paragraphs lose their own <w:p>)."""
        lines = self.source.split("\n")
        marks = [int(m.group(1)) if (m := re.search(f'{MARK}="(\\d+)"', line)) else None for line in lines]
        i = max(0, min((lineno or 1) - 1, len(lines) - 1))
        start = next((marks[j] for j in range(i, -1, -1) if marks[j]), 1)
        end = next((marks[j] for j in range(i + 1, len(lines)) if marks[j]), len(self.paragraphs) + 1)
        return list(range(start, max(end, start + 1))) if self.paragraphs else [0]

    def _paragraph_using(self, lineno: int | None, name: str) -> int | None:
        candidates = self._paragraphs_on(lineno)
        word = re.compile(rf"\b{re.escape(name)}\b")
        return next((c for c in candidates if c and word.search(self.paragraphs[c - 1])), candidates[0] or None)

    def _paragraph_failing(self, exc: TemplateSyntaxError) -> int:
        """Of the paragraphs on the failing line, one with a tag, best the one holding the word Jinja quotes."""
        tagged = [c for c in self._paragraphs_on(exc.lineno) if c and _has_delimiter(self.paragraphs[c - 1])]
        quoted = re.findall(r"'([^']+)'", exc.message or "")
        return next((c for c in tagged if any(q in self.paragraphs[c - 1] for q in quoted)),
                    tagged[0] if tagged else self._paragraphs_on(exc.lineno)[0])

    def _line_text(self, lineno: int | None) -> str:
        lines = self.source.split("\n")
        line = lines[max(0, min((lineno or 1) - 1, len(lines) - 1))]
        return html.unescape(re.sub(r"<[^>]+>", "", line))


def _has_delimiter(text: str) -> bool:
    return bool(DELIMITER.search(text))


def _excerpt(text: str, tail: bool = False) -> str:
    """At most EXCERPT characters of text: its beginning, or its end when tail."""
    text = text.strip()
    if len(text) <= EXCERPT:
        return text
    return "…" + text[-EXCERPT:] if tail else text[:EXCERPT] + "…"
