"""Write formgen/public_holidays.json: what the installed holidays says of Vietnam, read at run time without it.

    python tools/build_public_holidays.py

Run after upgrading holidays (tests/test_calendar.py fails until then, and formgen reads holidays itself meanwhile).
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formgen.calendar import PUBLIC_FILE, package_facts  # noqa: E402

path = ROOT / "formgen" / PUBLIC_FILE
path.write_text(json.dumps(package_facts(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
print(f"{path}: holidays {json.loads(path.read_text(encoding='utf-8'))['holidays']}")
