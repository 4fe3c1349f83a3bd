"""The shipped templates' parts compiled ahead (formgen/template_modules.py): what Jinja compiles of them now, the same
documents as the parts compiled at render time, and compiled at render time when a part is not the one shipped."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docxtpl
import jinja2
import pytest

import formgen
from formgen import rendering, template_modules
from formgen.documents import KINDS, Inputs, template_name

ROOT = Path(__file__).parent.parent
FIXTURES = ["request.yaml", "escalation.yaml", "report.yaml", "annual.yaml", "party/request.yaml",
            "party/escalation.yaml", "party/report.yaml", "party/annual.yaml"]
NOW = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.timezone.utc)


def test_every_shipped_template_part_is_compiled_ahead_as_jinja_compiles_it_now(tmp_path):
    written = template_modules.compile_into(tmp_path, rendering.jinja_env(), rendering.shipped_part_sources())
    shipped = sorted(template_modules.FOLDER.glob("tmpl_*.py"))
    if not {p.name for p in shipped} & {p.name for p in written}:
        # every name carries the Jinja and docxtpl versions: none found, the modules are another version's and
        # each part is compiled at render time (the documents are the same: the tests below)
        pytest.skip(f"the shipped modules are not Jinja {jinja2.__version__}'s and docxtpl {docxtpl.__version__}'s: "
                    "run python tools/build_compiled_templates.py")
    assert [p.name for p in shipped] == [p.name for p in written], "run python tools/build_compiled_templates.py"
    for ahead, now in zip(shipped, written):
        assert ahead.read_bytes() == now.read_bytes(), f"{ahead.name}: run python tools/build_compiled_templates.py"


def _letters():
    profile, calendar = formgen.load_profile(), formgen.WorkCalendar()
    for fixture in FIXTURES:
        data = formgen.load(ROOT / "fixtures" / fixture)
        result = formgen.check(data)
        context = KINDS[result.kind].context(Inputs(data, profile, calendar, result.deadlines, result.limits))
        yield fixture, rendering.builtin_template(template_name(result.kind, data["issuer"]["style"])), context


@pytest.fixture
def fixed_time(monkeypatch):
    """Both renders of a document in the same second (the core properties carry it)."""
    properties = rendering._properties_of
    monkeypatch.setattr(rendering, "_properties_of", lambda context: (*properties(context)[:2], NOW))


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The sources Jinja compiles from here on (the parts compiled at render time)."""
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def recording(self, source, *args, **kwargs):
        seen.append(source)
        return compile_(self, source, *args, **kwargs)
    monkeypatch.setattr(jinja2.Environment, "compile", recording)
    return seen


def test_every_fixture_kind_renders_from_the_parts_compiled_ahead_the_bytes_of_its_own_compile(fixed_time, compiles,
                                                                                               monkeypatch):
    for fixture, template, context in _letters():
        ahead = rendering.CompiledTemplate(template)
        assert compiles == [], fixture
        with monkeypatch.context() as m:
            m.setattr(template_modules, "load", lambda env, name: None)
            here = rendering.CompiledTemplate(template)
        assert compiles, fixture
        compiles.clear()
        assert ahead.render(context) == here.render(context), fixture


def test_a_letter_compiles_no_template_as_it_renders(compiles, tmp_path):
    rendering._compiled.cache_clear()
    result = formgen.render("request", formgen.load(ROOT / "fixtures" / "request.yaml"), tmp_path / "to-trinh.docx")
    assert result.outputs == [tmp_path / "to-trinh.docx"] and compiles == []
    with zipfile.ZipFile(io.BytesIO(result.outputs[0].read_bytes())) as z:
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in z.read("word/document.xml").decode("utf-8")


def test_a_part_that_is_not_the_one_compiled_ahead_is_compiled_as_it_renders(fixed_time, compiles, monkeypatch,
                                                                            tmp_path):
    fixture, template, context = next(_letters())
    expected = rendering.CompiledTemplate(template).render(context)
    name = template_modules.part_name
    monkeypatch.setattr(template_modules, "part_name", lambda *args: name(*args) + "+edited")
    rendering._compiled.cache_clear()
    assert rendering.CompiledTemplate(template).render(context) == expected
    assert len(compiles) == 1 and "<w:body>" in compiles[0]
