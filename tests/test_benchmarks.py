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


@pytest.mark.slow
def test_the_register_benchmark_runs_a_small_round_and_leaves_no_register_behind(tmp_path):
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "register_bench.py"), "--size", "300", "--runs",
                           "1"], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    for figure in ("register list (first page)", "register overdue", "annual --year 2025 --all (200 units)",
                   "Register.page() (first page)", "Register.add (new, warm)"):
        assert figure in done.stdout, figure
    assert list(tmp_path.iterdir()) == []  # the register, its tables and the annual reports are removed
