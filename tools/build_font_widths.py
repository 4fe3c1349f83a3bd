"""Write formgen/font_widths.json: the advance widths reportlab reads from the font files fontconfig gives the
formats' font on this machine (regular and bold), by each file's sha256, so a letter is measured without reportlab.

    python tools/build_font_widths.py

Run after a reportlab upgrade or on a machine with other fonts to add theirs (tests/test_layout.py checks every entry
whose file is installed against reportlab).
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formgen import layout  # noqa: E402
from formgen.fontconfig import fc_match as _fc_match  # noqa: E402
from formgen.formats import format_styles, load_format  # noqa: E402

path = ROOT / "formgen" / layout.WIDTHS_FILE
table = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
families = {load_format(style)["font"] for style in format_styles()}
for family in sorted(families):
    for pattern in (family, f"{family}:bold"):
        found = _fc_match(pattern)
        widths = layout.parsed_widths(found) if found else None
        if widths is None:
            print(f"{pattern}: no font file fontconfig gives that reportlab reads", file=sys.stderr)
            continue
        table[layout.file_digest(found.read_bytes())] = {"file": found.name, **widths.as_dict()}
        print(f"{pattern}: {found}")
path.write_text(json.dumps(table, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
