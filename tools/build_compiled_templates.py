"""Write formgen/templates/compiled/: each shipped template's rendered parts compiled ahead by Jinja.

    python tools/build_compiled_templates.py

Run after tools/build_templates.py, or after upgrading Jinja2 or docxtpl: until then a part whose module is not
there (its bytes, or the versions, changed) is compiled at render time, as before (formgen/template_modules.py).
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formgen import rendering, template_modules  # noqa: E402

folder = template_modules.FOLDER
folder.mkdir(parents=True, exist_ok=True)
for old in folder.glob("tmpl_*.py"):
    old.unlink()
written = template_modules.compile_into(folder, rendering.jinja_env(), rendering.shipped_part_sources())
print(f"{folder}: {len(written)} parts, {sum(p.stat().st_size for p in written) // 1024} KB")
