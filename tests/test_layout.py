"""The page as a văn thư checks it: what sits on which page, rules and marks, sizes, fonts (DOCX and PDF)."""
from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

import formgen
from formgen.deadlines import compute_deadlines
from formgen.documents import KINDS, Inputs, template_name
from formgen.policy import load_profile
from formgen.calendar import WorkCalendar
from formgen.pdf import Converter
from formgen.render import builtin_template, render_docx

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
needs_pdf = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                               reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")
STYLES = {"state": FIX, "party": FIX / "party"}


def context(kind: str, data: dict) -> dict:
    """The template context of a document, with or without the rules' consent (the layout is under test)."""
    profile, calendar = load_profile(data["policy"]), WorkCalendar()
    d = data.get("delegation")
    found = compute_deadlines(d["depart_on"], d["return_on"], profile, calendar) if d else None
    return KINDS[kind].context(Inputs(trip=data, profile=profile, calendar=calendar, deadlines=found, history=None))


def sized(data: dict, members: int, stops: int) -> dict:
    """The fixture's delegation with `members` people besides the leader and `stops` destinations."""
    data = copy.deepcopy(data)
    d = data["delegation"]
    people = d["members"]
    d["members"] = [{**people[i % len(people)], "name": f"{people[i % len(people)]['name']} {i + 1}"}
                    for i in range(members)]
    d["stops"] = [d["stops"][i % len(d["stops"])] for i in range(stops)]
    return data


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext reads it."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\u00a0", " ").split("\f")[:-1]


def last_page_with(pages: list[str], text: str) -> int:
    found = [i for i, page in enumerate(pages) if text in page]
    assert found, f"“{text}” is on no page"
    return found[-1] + 1


def variants(tmp_path: Path) -> dict[str, tuple[Path, dict]]:
    """Every kind in both formats: delegations of 1 to 10 members and 1 to 3 stops, annual reports of
    1 to 10 delegations."""
    docs = {}
    for style, folder in STYLES.items():
        for kind in ("request", "escalation", "report"):
            data = formgen.load(folder / f"{kind}.yaml")
            for members in range(1, 11):
                for stops in range(1, 4):
                    name = f"{kind}_{style}_{members:02d}_{stops}"
                    docs[name] = (kind, style, context(kind, sized(data, members, stops)))
        annual = formgen.load(folder / "annual.yaml")
        for count in range(1, 11):
            data = copy.deepcopy(annual)
            data["delegations"] = [copy.deepcopy(annual["delegations"][i % len(annual["delegations"])])
                                   for i in range(count)]
            docs[f"annual_{style}_{count:02d}"] = ("annual", style, context("annual", data))
    out = {}
    for name, (kind, style, ctx) in docs.items():
        path = render_docx(builtin_template(template_name(kind, style)), ctx, tmp_path / f"{name}.docx")
        out[name] = (path, ctx)
    return out


@pytest.fixture(scope="module")
def rendered_variants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    docs = variants(folder)
    with Converter() as converter:  # one LibreOffice run for all of them
        pdfs = converter.convert([path for path, _ in docs.values()])
    return {name: (pdf, ctx) for (name, (_, ctx)), pdf in zip(docs.items(), pdfs)}


CLOSING = "./."  # the body's last paragraph ends with it, in every kind


@needs_pdf
def test_the_signature_never_stands_alone_on_a_page(rendered_variants):
    alone = []
    for name, (pdf, ctx) in rendered_variants.items():
        pages = pdf_pages(pdf)
        where = (last_page_with(pages, CLOSING), last_page_with(pages, ctx["cc_heading"]),
                 last_page_with(pages, ctx["signer_name"]))
        if len(set(where)) != 1:
            alone.append(f"{name}: closing paragraph p.{where[0]}, Nơi nhận p.{where[1]}, signer p.{where[2]}")
    assert not alone, "\n".join(alone)
