"""Write formgen/compiled_patterns.json: the regular expressions one letter compiles as it starts, compiled ahead.

    python tools/build_compiled_patterns.py

Renders each fixture kind's letter (fixtures/*.yaml) in fresh interpreters with nothing seeded, records every
pattern re compiled, and writes what this Python build's compiler makes of each (formgen/precompiled.py). Run it
after upgrading Python or a library on the letter's path (marshmallow, PyYAML, Jinja2, click, docxtpl): until then a
pattern the table lacks compiles as before, and another Python build uses none of the table.
"""
import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import packages_distributions, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formgen.precompiled import ENV_OFF, PATTERNS_FILE, RECORDER, build_key, compiled_entry  # noqa: E402

LETTERS = {"request": "request.yaml", "report": "report.yaml", "escalation": "escalation.yaml"}


def recorded() -> tuple[list[tuple[str, int]], dict[str, str]]:
    """The patterns the letters compiled, and the distributions (name: version) whose code compiled them."""
    env = {**{k: v for k, v in os.environ.items() if k != "FORMGEN_REGISTER"}, ENV_OFF: "1",
           "PYTHONPATH": str(ROOT)}
    seen: dict[tuple[str, int], None] = {}
    sources: set[str] = set()
    with tempfile.TemporaryDirectory() as work:
        for kind, name in LETTERS.items():
            out = Path(work) / f"{kind}.docx"
            done = subprocess.run([sys.executable, "-c", RECORDER, "render", kind, str(ROOT / "fixtures" / name),
                                   "-o", str(out)], env=env, cwd=work, capture_output=True, text=True, check=True)
            run = json.loads(done.stdout.splitlines()[-1])
            seen.update(dict.fromkeys(tuple(p) for p in run["compiled"]))
            sources.update(run["sources"])
    owners = packages_distributions()
    libraries = {d: version(d) for top in sources for d in owners.get(top, []) if d.lower() != "formgen"}
    return list(seen), dict(sorted(libraries.items()))


found, libraries = recorded()
patterns = [compiled_entry(p, flags) for p, flags in found]
path = ROOT / "formgen" / PATTERNS_FILE
path.write_text(json.dumps({"build": build_key(), "libraries": libraries, "patterns": patterns},
                           separators=(",", ":")) + "\n", encoding="utf-8")
print(f"{path}: {len(patterns)} patterns, {path.stat().st_size // 1024} KB, for Python {sys.version.split()[0]}")
