"""`puskesos print …` and `puskesos verval …` on the demo village, as a user runs them."""

from __future__ import annotations

import json
import shutil

import pytest

from puskesos.cli import main
from tests.printing.pdfcheck import pages_text
from tests.helpers import copy_village, connect


@pytest.fixture
def demo(demo_db, tmp_path, demo_login):
    path = tmp_path / "desa.sqlite"
    copy_village(demo_db, path)
    return str(path)


def test_demo_prints_verval_forms_berita_acara_and_sktm_out_of_the_box(demo, tmp_path, capsys):
    forms = tmp_path / "verval.pdf"
    assert main(["--db", demo, "print", "verval", "--rt", "1", "--out", str(forms)]) == 0
    texts = pages_text(forms.read_bytes())
    assert texts and all("RAHASIA" in t for t in texts)
    assert all("RT" in t for t in texts)
    ba = tmp_path / "ba.pdf"
    assert main(["--db", demo, "print", "berita-acara", "--out", str(ba), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["letter_number"]
    text = pages_text(ba.read_bytes())
    assert "BERITA ACARA" in text[0] and "LAMPIRAN I" in "".join(text)
    # the demo cycle is partly visited: the summary says how many are not decided yet
    assert "Belum diputuskan" in text[0]
    import sqlite3
    nik = connect(demo).execute(
        "select nik from member where presence = '1' and deleted_at is null "
        "and nik is not null limit 1").fetchone()[0]
    sktm = tmp_path / "sktm.pdf"
    assert main(["--db", demo, "print", "sktm", "--member", nik, "--purpose", "beasiswa",
                 "--out", str(sktm), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pages"] == 1 and out["letter_number"] in pages_text(sktm.read_bytes())[0]
    assert nik in pages_text(sktm.read_bytes())[0]


def test_print_refusals_write_nothing_and_take_no_number(demo, tmp_path, capsys):
    # the demo's surat rujukan are numbered already; no refusal takes another number
    letters = connect(demo).execute("select count(*) from letter").fetchone()[0]
    out = tmp_path / "sktm.pdf"
    assert main(["--db", demo, "print", "sktm", "--member", "0000", "--purpose", "x",
                 "--out", str(out)]) == 1
    assert main(["--db", demo, "print", "sktm", "--member", "0000", "--out", str(out)]) in (1, 2)
    assert main(["--db", demo, "print", "verval", "--rt", "99", "--out", str(out)]) == 2
    assert "kosong" in capsys.readouterr().err
    assert not out.exists()
    assert main(["--db", demo, "print", "verval", "--out", str(tmp_path / "no" / "x.pdf")]) == 1
    # a bad output folder is found before a number is taken
    for document in (["sktm", "--member", "0000", "--purpose", "x"], ["berita-acara"]):
        assert main(["--db", demo, "print", *document, "--out",
                     str(tmp_path / "no" / "x.pdf")]) == 1
        assert "tidak ada" in capsys.readouterr().err
    assert connect(demo).execute("select count(*) from letter").fetchone()[0] == letters


def test_verval_list_and_results_export(demo, tmp_path, capsys):
    assert main(["--db", demo, "verval", "list", "--json"]) == 0
    [cycle] = json.loads(capsys.readouterr().out)["cycles"]
    assert cycle["households"] > 0 and 0 < cycle["done"] < cycle["households"]
    out = tmp_path / "hasil.xlsx"
    assert main(["--db", demo, "verval", "export", str(out), "--cycle", cycle["id"][:8]]) == 0
    from openpyxl import load_workbook
    assert load_workbook(out)["Hasil keluarga"].max_row == cycle["households"] + 1


def test_a_printout_is_named_by_what_it_holds_and_its_area(demo):
    """verval-2026-S2-KRAJAN-RW001-RT002.pdf, not verval-2026-S2.pdf for every area."""
    from puskesos.files import safe_name
    from puskesos.services import Actor, open_services
    services = open_services(demo)
    try:
        actor = Actor("operator", "operator", "Operator")
        cycle = services.verval.cycles(actor=actor)[0]
        entry = services.verval.entries(actor=actor, cycle_id=cycle.id)[0]
        area = (entry.dusun, entry.rw, entry.rt)
        doc = services.documents.verval_forms(actor=actor, cycle_id=cycle.id, area=area)
        expected = safe_name("verval", cycle.period, entry.dusun, f"RW{entry.rw}",
                             f"RT{entry.rt}") + ".pdf"
        assert doc.filename == expected
        assert f"RW{entry.rw}-RT{entry.rt}.pdf" in doc.filename
        whole = services.documents.verval_forms(actor=actor, cycle_id=cycle.id)
        assert whole.filename == safe_name("verval", cycle.period) + ".pdf"
    finally:
        services.close()


def test_a_file_name_holds_only_what_every_disk_and_mail_takes():
    from puskesos.files import safe_name
    assert safe_name("verval", "2026/S2", " Krajan Lor ", None, "RW005") == \
        "verval-2026-S2-Krajan-Lor-RW005"
    assert safe_name("berita-acara", 'Dusun: "Ngasinan"*') == "berita-acara-Dusun-Ngasinan"


def test_the_berita_acara_carries_the_audit_anchor_that_db_check_holds_it_to(demo, tmp_path,
                                                                             capsys):
    """Every page of a berita acara prints the head of the audit trail in small type;
    typed back into 'db check --anchor' it passes, and after the history before it was
    rewritten outside the program (hashed again with the database's own key) it fails."""
    import re
    import sqlite3
    from puskesos.services.audit import row_hash
    ba = tmp_path / "ba.pdf"
    assert main(["--db", demo, "print", "berita-acara", "--out", str(ba)]) == 0
    texts = pages_text(ba.read_bytes())
    anchors = {m for t in texts for m in re.findall(r"Jangkar jejak audit (\d+:[0-9a-f]{16})",
                                                     " ".join(t.split()))}
    assert len(anchors) == 1 and all("Jangkar jejak audit" in t for t in texts)
    anchor = anchors.pop()
    capsys.readouterr()
    assert main(["--db", demo, "db", "check", "--anchor", anchor]) == 0
    con = connect(demo)
    key = json.loads(con.execute("select value from setting where key = 'audit_key'")
                     .fetchone()[0])
    with con:
        con.execute("update audit_event set new_value = 'PALSU' where seq = 2")
        prev = "0" * 64
        for row in con.execute("select seq, at, actor, action, entity, entity_id, field, "
                               "old_value, new_value, reason from audit_event order by seq"
                               ).fetchall():
            from datetime import datetime, timezone
            at = datetime.fromisoformat(row[1]).replace(tzinfo=timezone.utc)
            digest = row_hash(prev, row[0], at, *row[2:],
                              key=bytes.fromhex(key["key"]) if row[0] >= key["from_seq"]
                              else None)
            con.execute("update audit_event set prev_hash = ?, hash = ? where seq = ?",
                        (prev, digest, row[0]))
            prev, last = digest, row[0]
        con.execute("update setting set value = ? where key = 'audit_head'",
                    (json.dumps({"seq": last, "hash": prev}),))
    con.close()
    assert main(["--db", demo, "db", "check"]) == 0          # the chain alone fits
    assert main(["--db", demo, "db", "check", "--anchor", anchor]) == 1
    assert "dicetak" in capsys.readouterr().out
