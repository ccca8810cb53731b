"""The README's command-line examples, run in order on a fresh village, all work
(issue 12).  The files they name are made on the way (an extract, a BNBA list of
people the demo created); a path or NIK that only fits the README's own machine
is replaced by one that exists here."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import CLI_LOGIN, connect

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("   #")[0].strip() for line in block.strip().splitlines()]


def _unlocked(db: Path, env: dict) -> Path:
    """The village the README made, opened here with the password its commands use."""
    from puskesos.db.keys import KEYRING, KeyFile
    KEYRING.remember(db, KeyFile.beside(db).unlock("admin", env["PUSKESOS_PASSWORD"]).data_key)
    return db


def _niks(db: Path, n: int) -> list[str]:
    with connect(db) as con:
        return [r[0] for r in con.execute(
            "SELECT nik FROM member WHERE nik NOT LIKE '9999%' AND deleted_at IS NULL "
            "ORDER BY nik LIMIT ?", (n,))]


def _people(db: Path, n: int) -> list[tuple[str, str]]:
    with connect(db) as con:
        return con.execute(
            "SELECT nik, name FROM member WHERE nik NOT LIKE '9999%' AND deleted_at IS NULL "
            "ORDER BY nik LIMIT ?", (n,)).fetchall()


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def _run_as_a_new_process(args: list[str], capsys, monkeypatch):
    """``puskesos ARGS`` run in this process as a new process would run it: the real
    command line (``puskesos.app.main``, what ``python -m puskesos`` runs) holding no
    data key unlocked before (each command logs in and opens the file's key itself),
    without an interpreter's start and the program's imports for each of the ~55
    commands; what it returned, printed and said."""
    from types import SimpleNamespace

    from puskesos.app import main
    from puskesos.db.keys import KEYRING
    monkeypatch.setattr(KEYRING, "_keys", {})
    code = main(args)
    said = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=said.out, stderr=said.err)


@pytest.mark.slow
def test_every_readme_command_works_in_order_on_a_fresh_village(tmp_path, capsys,
                                                                 monkeypatch):
    # the commands run where the README's reader runs them, with only what the README
    # exports in their environment (conftest removed the tests' own login)
    monkeypatch.chdir(tmp_path)
    env: dict[str, str] = {}
    db = tmp_path / "desa.sqlite"
    seen: list[str] = []
    for line in readme_commands():
        args = shlex.split(line)
        if args[0] == "export":  # the login's password for the commands that follow
            name, value = args[1].split("=", 1)
            env[name] = value
            monkeypatch.setenv(name, value)
            continue
        assert args[0] == "puskesos", line
        if any(a.startswith("postgresql://") for a in args):
            target = os.environ.get("PUSKESOS_TEST_PG")
            if not target:
                continue            # the kabupaten desk: run where a server is configured
            continue                # (the PostgreSQL suite covers that desk)
        if "dtsen-2026q3.xlsx" in args:
            _write(tmp_path / "dtsen-2026q3.xlsx",
                   ["NIK", "NO KK", "NAMA", "JK", "TGL LAHIR"],
                   [["3523014507850003", "3523011504150001", "SITI ROHMAH", "P",
                     date(1985, 7, 5)]])
        if "bnba-pkh.xlsx" in args:
            # real recipients, named as registered: an import whose every row is
            # refused changes nothing, records no batch and leaves nothing to undo
            _write(tmp_path / "bnba-pkh.xlsx", ["NO", "NIK", "NAMA"],
                   [[i + 1, nik, name] for i, (nik, name) in enumerate(_people(_unlocked(db, env), 3))])
        if "--member" in args:
            args[args.index("--member") + 1] = _niks(_unlocked(db, env), 1)[0]
        args = [re.sub(r"^E:/cadangan/", "cadangan/", a) for a in args]
        # the USB stick is a folder here; a bundle's name carries the day it was made
        (tmp_path / "usb").mkdir(exist_ok=True)
        for i, a in enumerate(args):
            if a.startswith("E:/") and a.endswith(".puskesos"):
                kind = "-tanda-terima" if "tanda-terima" in a else ""
                prefix = a[3:].split("-")[0]
                [found] = [p for p in sorted((tmp_path / "usb").glob(
                    f"{prefix}-*{kind}.puskesos")) if kind or "tanda-terima" not in p.name][:1]
                args[i] = str(found)
            elif a == "E:/":
                args[i] = str(tmp_path / "usb")
        if any(re.fullmatch(r"RJ-\w{4}-\w{4}", a) for a in args):
            # the tracking code is random: the one the README's "referral add" made
            with connect(_unlocked(db, env)) as con:
                code = con.execute("SELECT tracking_code FROM referral WHERE status != 'draft'"
                                   " ORDER BY created_at DESC LIMIT 1").fetchone()[0]
            args = [code if re.fullmatch(r"RJ-\w{4}-\w{4}", a) else a for a in args]
        if "--fingerprint" in args:
            # the fingerprint is the village's own: as its identity file gives it
            from puskesos.formats.identity import read_identity
            card = read_identity((tmp_path / args[args.index("trust") + 1]).read_bytes())
            args[args.index("--fingerprint") + 1] = card.fingerprint
        if args[-2:-1] == ["restore"] or (len(args) > 4 and args[3] == "restore"):
            [backup] = sorted((tmp_path / "cadangan").glob("*.backup.zip"))
            args[-1] = str(backup)
        out = _run_as_a_new_process(args[1:], capsys, monkeypatch)
        seen.append(line)
        assert out.returncode == 0, f"{line}\n{out.stderr}"
        assert "bug" not in out.stderr, f"{line}\n{out.stderr}"
    assert len(seen) >= 20
    # what the examples said they would leave behind
    assert (tmp_path / "cek.xlsx").is_file() and (tmp_path / "keluarga.xlsx").is_file()
    assert (tmp_path / "rt2.pdf").is_file() and (tmp_path / "ba.pdf").is_file()
    assert (tmp_path / "sktm.pdf").is_file() and (tmp_path / "hasil.xlsx").is_file()
    assert (tmp_path / "rujukan.pdf").is_file() and (tmp_path / "rekap.pdf").is_file()
    assert (tmp_path / "stiker-rt2.pdf").is_file() and (tmp_path / "rekap-stiker.pdf").is_file()
    assert (tmp_path / "cadangan").is_dir()
    assert (tmp_path / "desa-identitas.json").is_file() and (tmp_path / "kabupaten.sqlite").is_file()


def test_a_backup_to_a_missing_folder_makes_the_folder(tmp_path):
    """'--out cadangan/' (or without the slash): never a file named like the folder."""
    db = tmp_path / "desa.sqlite"
    run = [sys.executable, "-m", "puskesos", "--db", str(db)]
    env = {**os.environ, "PUSKESOS_PASSWORD": "rahasia-uji-1", "PUSKESOS_USER": "admin"}
    subprocess.run([*run, "init", "--village", "35.23.01.2001"], env=env, check=True,
                   capture_output=True)
    for out in ("cadangan/", "usb/baru"):
        done = subprocess.run([*run, "db", "backup", "--out", str(tmp_path / out)], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        folder = tmp_path / out.rstrip("/")
        assert folder.is_dir() and len(list(folder.glob("*.backup.zip"))) == 1


def test_json_output_into_a_closed_pipe_ends_quietly(tmp_path, demo_db):
    """`puskesos … --json | head -c 10`: no bug message, no traceback."""
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    done = subprocess.run([sys.executable, "-m", "puskesos", "--db", str(demo_db),
                           "households", "--json"], stdout=reader.stdin,
                          stderr=subprocess.PIPE, text=True, timeout=120,
                          env={**os.environ, **CLI_LOGIN})
    reader.stdin.close()
    reader.wait()
    assert done.stderr == "" and done.returncode == 0


def test_a_message_with_a_list_of_problems_is_one_line_on_stderr(tmp_path):
    """Printing without signatories names each missing one, on one line."""
    db = tmp_path / "desa.sqlite"
    run = [sys.executable, "-m", "puskesos", "--db", str(db)]
    env = {**os.environ, "PUSKESOS_PASSWORD": "rahasia-uji-1", "PUSKESOS_USER": "admin"}
    subprocess.run([*run, "init", "--village", "35.23.01.2001"], env=env, check=True,
                   capture_output=True)
    subprocess.run([*run, "demo", "--households", "5", "--seed", "1"], env=env, check=True,
                   capture_output=True)
    done = subprocess.run([*run, "print", "berita-acara", "--out", str(tmp_path / "ba.pdf")],
                          env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("puskesos: ")
    assert "Kepala Desa" in done.stderr and "; " in done.stderr


def test_help_and_usage_errors_speak_indonesian_by_default():
    run = [sys.executable, "-m", "puskesos"]
    help_text = subprocess.run([*run, "--help"], capture_output=True, text=True).stdout
    assert help_text.startswith("cara pakai: puskesos")
    assert "tampilkan bantuan ini lalu keluar" in help_text
    assert "buat basis data desa baru" in help_text and "usage:" not in help_text
    wrong = subprocess.run([*run, "import", "--bogus"], capture_output=True, text=True)
    assert wrong.returncode == 2 and wrong.stderr == "puskesos: argumen tidak dikenal: --bogus\n"
    english = subprocess.run([*run, "--lang", "en", "--help"], capture_output=True,
                             text=True).stdout
    assert english.startswith("usage: puskesos") and "create a new village" in english
