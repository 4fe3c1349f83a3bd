"""The benchmark script still runs against the code as it is (a small run: it measures nothing worth reading)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_the_benchmark_script_runs_a_small_round_of_docx_and_stamps():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--docx", "4", "--pdf", "0",
                           "--stamps", "4", "--memory", "0"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DOCX, 1 process(es) each: formgen" in done.stdout and "ratio" in done.stdout
    assert "stamps (" in done.stdout
