"""What a killed backup or restore leaves is removed at the next start, and only that
(the killing itself: tests/db/test_all_or_nothing.py)."""

from __future__ import annotations

import subprocess
import sys

from puskesos.files import remove_leftovers, working_in


def _leave(folder):
    names = ["b.zip.part", "b.zip.db.part", "b.zip.db.part.part", "b.zip.db.part-journal",
             "before-restore-20261206-101010.sqlite.part"]
    for name in names:
        (folder / name).write_bytes(b"half")
    (folder / ".restore-abc").mkdir()
    (folder / ".restore-abc" / "puskesos.sqlite").write_bytes(b"half")
    return names


def test_the_parts_and_temporary_folder_of_a_dead_process_are_removed(tmp_path):
    _leave(tmp_path)
    keep = ["laporan.pdf", "desa.sqlite", "b.zip", "catatan.part"]
    for name in keep:
        (tmp_path / name).write_bytes(b"whole")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / f".puskesos-busy-{dead}").touch()     # left by a killed backup
    removed = remove_leftovers(tmp_path)
    assert len(removed) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_a_folder_a_running_process_works_in_is_left_alone(tmp_path):
    names = _leave(tmp_path)
    with working_in(tmp_path):
        assert remove_leftovers(tmp_path) == []
        assert all((tmp_path / name).exists() for name in names)
    assert len(remove_leftovers(tmp_path)) == 6


def test_beside_the_database_a_download_in_progress_is_not_touched(tmp_path):
    _leave(tmp_path)
    remove_leftovers(tmp_path, zips=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "b.zip.db.part", "b.zip.db.part-journal", "b.zip.db.part.part", "b.zip.part"]
