"""The program's log: bugs are written down with their traceback, in a file that
cannot fill the disk."""

import logging

from puskesos import logs, paths


def _crash(n: int) -> BaseException:
    try:
        raise RuntimeError(f"planted bug {n}")
    except RuntimeError as exc:
        return exc


def test_a_bug_is_logged_with_its_traceback_in_the_log_folder():
    path = logs.crash_log(_crash(1))
    assert path == paths.log_dir() / "puskesos.log"
    text = path.read_text(encoding="utf-8")
    assert "planted bug 1" in text and "Traceback" in text and "_crash" in text


def test_the_log_rotates_and_stays_capped(monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(logs, "_handler", None)          # a new handler with the small cap
    for n in range(200):
        logs.crash_log(_crash(n))
    files = sorted(paths.log_dir().glob("puskesos.log*"))
    assert len(files) == logs.BACKUPS + 1
    assert all(f.stat().st_size < 2 * 2_000 for f in files)
    assert "planted bug 199" in (paths.log_dir() / "puskesos.log").read_text(encoding="utf-8")
    logging.getLogger("puskesos").removeHandler(logs._handler)
    logs._handler.close()


def test_the_log_follows_the_log_folder_when_it_changes(tmp_path, monkeypatch):
    first = logs.crash_log(_crash(1))
    monkeypatch.setenv("PUSKESOS_HOME", str(tmp_path / "elsewhere"))
    second = logs.crash_log(_crash(2))
    assert first != second and "planted bug 2" in second.read_text(encoding="utf-8")
    assert "planted bug 2" not in first.read_text(encoding="utf-8")
