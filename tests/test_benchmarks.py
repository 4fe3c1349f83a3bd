"""The benchmark script still runs against the code as it is (a small run: it measures nothing worth reading)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_the_benchmark_script_runs_a_small_round_of_every_comparison():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--rounds", "2", "--letters", "2",
                           "--docx", "4", "--pdf", "0", "--stamps", "4", "--memory", "20"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert out.startswith("machine: ") and " cores, " in out.splitlines()[0] and " UTC" in out.splitlines()[0]
    assert "startup, `formgen --version`: " in out and "startup, `formgen --help`: " in out
    assert "one letter, fresh process: formgen render " in out and "formgen/plain " in out
    assert "DOCX, 1 process(es) each, 4 letters: formgen" in out and "over 2 interleaved rounds" in out
    assert "stamps (" in out and "memory: 20 rows in " in out


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
