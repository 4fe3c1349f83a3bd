"""The batch manifest is the record of its output folder: kept up to date, kept across runs, never half-written."""
from __future__ import annotations

import csv
import errno
import json
from pathlib import Path

import pytest

from formgen import manifest as manifest_module
from formgen.batch import run_batch
from formgen.errors import EnvironmentFailed
from test_batch import table_rows, write_csv


def listed(folder: Path) -> set[str]:
    """Every file the folder's manifest.json names, across all its runs."""
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {Path(out).name for row in doc["rows"] for out in row["outputs"]}


def documents(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix in (".docx", ".pdf")}


def test_a_second_run_into_the_folder_keeps_the_first_runs_rows_each_marked_with_its_run(tmp_path):
    rows, refused, invalid = table_rows(12)
    table = write_csv(tmp_path / "bang.csv", rows)
    out = tmp_path / "out"
    first = run_batch("request", table, out, jobs=1)
    second = run_batch("request", write_csv(tmp_path / "hai.csv", rows[:3]), out, jobs=1)
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["run"], r["state"], r["table"]) for r in doc["runs"]] == [
        (1, "complete", str(table)), (2, "complete", str(tmp_path / "hai.csv"))]
    assert [(r["run"], r["row"]) for r in doc["rows"]] == [(1, n) for n in range(2, 14)] + [(2, 2), (2, 3), (2, 4)]
    assert doc["runs"][0]["counts"] == {"written": 12 - len(refused) - len(invalid), "refused": len(refused),
                                        "invalid": len(invalid), "failed": 0}
    assert doc["run"] == 2 and doc["summary"] == second.summary() != first.summary()
    assert listed(out) == documents(out) and len(documents(out)) == 12 - len(refused) - len(invalid) + 3
    with open(out / "manifest.csv", encoding="utf-8-sig") as f:
        table_rows_csv = list(csv.reader(f))
    assert table_rows_csv[0][:3] == ["lần chạy", "dòng", "kết quả"]
    assert [(r[0], r[1]) for r in table_rows_csv[1:]] == [(str(r["run"]), str(r["row"])) for r in doc["rows"]]


def test_a_manifest_written_before_runs_were_recorded_is_kept_as_run_1(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = {"kind": "request", "table": "cu.csv", "summary": "1 dòng: 1 đã tạo.",
           "rows": [{"row": 2, "status": "written", "outputs": [str(out / "cu.docx")], "codes": [], "messages": []}]}
    (out / "manifest.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    (out / "cu.docx").write_bytes(b"PK")
    rows, _, _ = table_rows(1)
    run_batch("request", write_csv(tmp_path / "bang.csv", rows), out, jobs=1)
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["run"], r["table"]) for r in doc["runs"]] == [(1, "cu.csv"), (2, str(tmp_path / "bang.csv"))]
    assert [(r["run"], r["row"], r["status"]) for r in doc["rows"]] == [(1, 2, "written"), (2, 2, "written")]
    assert listed(out) == documents(out)


@pytest.mark.parametrize("jobs", [1, 2])
def test_while_a_run_goes_on_the_manifest_on_disk_lists_exactly_the_documents_on_disk(tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(manifest_module, "FLUSH_SECONDS", 0.0)  # rewrite at every chunk, so each moment below is a new state
    out = tmp_path / "out"
    seen = []

    def look(_rows: int) -> None:  # called as each chunk is recorded
        seen.append((len(listed(out)), listed(out) == documents(out)))

    rows, _, _ = table_rows(60)
    run_batch("request", write_csv(tmp_path / "bang.csv", rows), out, jobs=jobs, chunk=5, progress=look)
    assert all(same for _, same in seen), seen
    counts = [n for n, _ in seen]
    assert counts == sorted(counts) and 0 < counts[len(counts) // 2] < counts[-1]  # the record grew as rows finished
    assert listed(out) == documents(out) and not [p for p in out.iterdir() if p.name.startswith(".")]


def _full_disk_after(monkeypatch, writes: int) -> None:
    """The manifest's writes after the first `writes` fail as on a full disk."""
    real = manifest_module.write_atomically
    done = []

    def write(out, save, **kw):
        if Path(out).name == "manifest.json":
            done.append(out)
            if len(done) > writes:
                def save(tmp):
                    raise OSError(errno.ENOSPC, "No space left on device")
        return real(out, save, **kw)
    monkeypatch.setattr(manifest_module, "write_atomically", write)


def test_a_full_disk_while_writing_the_manifest_stops_the_run_with_exit_3_and_the_record_stays_exact(
        tmp_path, monkeypatch, run_formgen):
    monkeypatch.setattr(manifest_module, "FLUSH_SECONDS", 0.0)
    _full_disk_after(monkeypatch, 2)  # the run's opening record and its first chunk, then the disk is full
    rows, _, _ = table_rows(30)
    out = tmp_path / "out"
    result = run_formgen("batch", "request", write_csv(tmp_path / "bang.csv", rows), "-o", out, "--jobs", "1")
    assert result.exit_code == 3
    (line,) = result.err_lines
    assert str(out / "manifest.json") in line
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["row"] for r in doc["rows"]] == list(range(2, 27))  # the first chunk (25 rows), recorded before
    assert listed(out) == documents(out) and len(documents(out)) > 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging, no temporary manifest


def test_a_full_disk_raises_environment_failed_from_the_library_too(tmp_path, monkeypatch):
    _full_disk_after(monkeypatch, 0)
    rows, _, _ = table_rows(3)
    with pytest.raises(EnvironmentFailed):
        run_batch("request", write_csv(tmp_path / "bang.csv", rows), tmp_path / "out", jobs=1)
    assert documents(tmp_path / "out") == set() and not (tmp_path / "out" / "manifest.json").exists()


def test_a_file_appearing_under_a_documents_name_during_the_run_is_kept_and_the_document_takes_the_next_name(
        tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "FLUSH_SECONDS", 0.0)
    out = tmp_path / "out"
    planted = []

    def plant(_rows: int) -> None:  # after a chunk is recorded, before its documents enter the folder
        if not planted:
            (staged,) = [p for s in out.glob(".formgen-run-*") for p in s.iterdir()]
            (out / staged.name).write_bytes(b"theirs")
            planted.append(out / staged.name)

    rows, _, _ = table_rows(2)
    manifest = run_batch("request", write_csv(tmp_path / "bang.csv", rows[:1]), out, jobs=1, progress=plant)
    (theirs,) = planted
    assert theirs.read_bytes() == b"theirs"
    assert manifest.entries[0].outputs == [str(out / f"{theirs.stem}-2.docx")]
    assert listed(out) == documents(out) - {theirs.name}


def test_libreoffice_folders_left_by_a_killed_formgen_are_removed_by_the_next_converter(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile

    from formgen.pdf import Converter
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = [tmp_path / f"formgen-lo-{dead.stdout.strip()}-abc", tmp_path / f"formgen-pdf-{dead.stdout.strip()}-abc"]
    alive = tmp_path / f"formgen-lo-{os.getppid()}-abc"  # a formgen still running: its profile stays
    for folder in (*left, alive):
        (folder / "user").mkdir(parents=True)
    with Converter() as converter:
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, converter._profile.name])


def test_a_converter_dropped_without_close_still_removes_its_profile(tmp_path, monkeypatch):
    import gc
    import tempfile

    from formgen.pdf import Converter
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    converter = Converter()
    assert [p.name for p in tmp_path.iterdir()] == [converter._profile.name]
    del converter
    gc.collect()
    assert list(tmp_path.iterdir()) == []
