"""The layout holds: no import cycle, one name per module, no module over ~600 lines, each layer imports only below it."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import json
from pathlib import Path

import formgen
from formgen.annual import annual_reports
from formgen.register import Register
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "formgen"
FIX = ROOT / "fixtures"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The formgen modules `name` imports, at its top or inside a function (both make a cycle at some call);
    not those under `if TYPE_CHECKING:`, which only a type checker reads."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", getattr(block.test, "attr", None)) == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in modules else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    # a module's own package (importing formgen from formgen.x) runs first anyway: not an edge of a cycle
    return {m for m in found if m in modules and m != name and not name.startswith(m + ".")}


def _cycles() -> list[list[str]]:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles, seen = [], set()
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    key = frozenset(trail)
                    if key not in seen:
                        seen.add(key)
                        cycles.append(trail)
                elif nxt not in trail and nxt > start:
                    stack.append((nxt, trail + [nxt]))
    return cycles


def test_no_formgen_module_imports_one_that_imports_it_back():
    assert _cycles() == []


def test_the_register_storage_imports_no_document_rendering_or_record_module():
    modules = _modules()
    storage = _imports("formgen.register.storage", modules["formgen.register.storage"], modules)
    assert storage <= {"formgen.environment", "formgen.errors", "formgen.register.messages", "formgen.tables"}, \
        storage
    messages = _imports("formgen.register.messages", modules["formgen.register.messages"], modules)
    assert not {m for m in messages | storage if m.split(".")[1] in ("documents", "rendering", "templates", "pdf")}


def test_the_rendering_module_is_reachable_by_its_name_and_formgen_render_is_the_function():
    rendering = importlib.import_module("formgen.rendering")
    assert callable(rendering.render_docx)
    assert importlib.util.find_spec("formgen.render") is None  # no module hides behind the function
    assert callable(formgen.render) and formgen.render.__module__ == "formgen"


def test_no_module_is_over_600_lines():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_cli_maps_no_exit_status_of_its_own():
    """Exit statuses come from the exception classes (errors.py): no bare number in an exit or a status table."""
    for name in ("cli", "cli_base", "cli_register", "annual", "batch", "manifest"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and node.keys and all(
                    isinstance(k, ast.Constant) and isinstance(k.value, int) for k in node.keys):
                raise AssertionError(f"{name}.py:{node.lineno}: a table keyed by exit status")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("exit", "_fail"):
                numbers = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
                assert not numbers, f"{name}.py:{node.lineno}: exit status {numbers[0].value} written as a number"


def test_annual_reports_from_the_library_write_one_document_per_unit_and_the_manifest(tmp_path):
    with Register(tmp_path / "so.sqlite") as reg:
        reg.add(formgen.load(FIX / "report.yaml"))
        reg.add(formgen.load(FIX / "party" / "report.yaml"))
        units = [code for code, _ in reg.units(2024)]
        section = {"number": 245, "date": "2024-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"}}
        manifest, files = annual_reports(reg, 2024, section, tmp_path / "out")
    assert len(units) == 2 and manifest.exit_code == 0
    assert [e.status for e in manifest.entries] == ["written", "written"]
    docs = sorted((tmp_path / "out").glob("annual-*-2024.docx"))
    assert len(docs) == 2
    assert any("đơn vị tổ chức 01 đoàn" in line for line in docx_lines(docs[0]))
    record = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [Path(p) for p in files] == [tmp_path / "out" / "manifest.json", tmp_path / "out" / "manifest.csv"]
    assert sorted(Path(p).name for r in record["rows"] for p in r["outputs"]) == [d.name for d in docs]


def test_an_annual_unit_the_library_cannot_render_is_a_manifest_row_marked_by_its_exception(tmp_path):
    with Register(tmp_path / "so.sqlite") as reg:
        reg.add(formgen.load(FIX / "report.yaml"))
        manifest, _ = annual_reports(reg, 2024, {"number": 245}, tmp_path / "out")  # no date, no signer
    assert [e.status for e in manifest.entries] == [formgen.InvalidInput.row_status]
    assert manifest.exit_code == formgen.Refused.exit_code
    assert not list((tmp_path / "out").glob("*.docx"))
