"""Render every fixture document, convert it to PDF with LibreOffice and to PNG pages with pdftoppm.

Run: python tools/preview.py [DIR]   (default DIR: ./preview) — then look at the pictures: a văn thư
judges the page, not the test log. Needs LibreOffice (soffice) and poppler-utils (pdftoppm).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import formgen  # noqa: E402
from formgen.pdf import Converter  # noqa: E402

FIXTURES = ["request.yaml", "escalation.yaml", "report.yaml", "annual.yaml",
            "party/request.yaml", "party/escalation.yaml", "party/report.yaml", "party/annual.yaml"]


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for name in FIXTURES:
        data = formgen.load(ROOT / "fixtures" / name)
        out = folder / (name.replace("/", "-").removesuffix(".yaml") + ".docx")
        formgen.render(formgen.check(data).kind, data, out)
        docs.append(out)
    with Converter() as converter:
        pdfs = converter.convert(docs)
    for pdf in pdfs:
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)
        print(pdf.with_suffix(".png").name.replace(".png", "-*.png"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("preview"))
