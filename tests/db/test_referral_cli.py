"""The command line of referrals (issue 14 point 6), run as a script runs it, in this
process (the real command line), logged in from the environment, on the demo village (which has
a referral in every status) and on a village of one request."""

import openpyxl

from puskesos.core.codes import ReferralStatus
from tests.printing.pdfcheck import pages_text
from tests.db.test_cli import village  # noqa: F401  (the demo village, copied)
from tests.helpers import cli_json as _json


def test_the_demo_village_has_a_referral_in_every_status_and_lists_them(cli, village):
    rows = _json(cli("--db", str(village), "referral", "list", "--json"))
    assert {r["status"] for r in rows} == {s.value for s in ReferralStatus}
    assert all({"id", "status", "category", "tracking_code"} <= set(r) for r in rows)
    referred = _json(cli("--db", str(village), "referral", "list", "--status", "dirujuk",
                         "--json"))
    assert [r["status"] for r in referred] == ["dirujuk"] and referred[0]["letter_number"]
    overdue = _json(cli("--db", str(village), "referral", "list", "--overdue", "--json"))
    assert overdue and all(r["overdue"] for r in overdue)
    still = _json(cli("--db", str(village), "referral", "list", "--status", "open", "--json"))
    assert {r["status"] for r in still} == {"draft", "tercatat", "dirujuk", "diterima",
                                            "diproses"}


def test_a_request_from_intake_to_the_printed_letter(cli, village, tmp_path):
    heads = _json(cli("--db", str(village), "households", "--json"))["households"]
    nik = heads[0]["head_nik"]
    added = _json(cli("--db", str(village), "referral", "add", "--member", nik,
                      "--category", "kesehatan", "--description", "Butuh cuci darah",
                      "--urgency", "darurat", "--json"))["referral"]
    assert added["status"] == "tercatat" and added["person_nik"] == nik
    code = added["tracking_code"]
    # a step the flow does not allow: refused, exit 2, one line saying what is possible
    refused = cli("--db", str(village), "referral", "transition", code, "--to", "selesai")
    assert refused.returncode == 2
    assert "Selesai di desa" in refused.stderr and "Dirujuk" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    no_service = cli("--db", str(village), "referral", "refer", code, "--service", " ",
                     "--request", "cuci darah")
    assert no_service.returncode == 2 and "layanan tujuan" in no_service.stderr
    referred = _json(cli("--db", str(village), "referral", "refer", code.lower(),
                         "--service", "RSUD", "--request", "Hemodialisis rutin",
                         "--document", "Fotokopi KTP=ada", "--document", "SKTM",
                         "--json"))["referral"]
    assert referred["status"] == "dirujuk"
    assert [(d["name"], d["present"]) for d in referred["documents"]] == [
        ("Fotokopi KTP", True), ("SKTM", False)]
    letter = tmp_path / "rujukan.pdf"
    done = cli("--db", str(village), "print", "rujukan", "--id", code, "--out", str(letter))
    assert done.returncode == 0, done.stderr
    text = " ".join(" ".join(pages_text(letter.read_bytes())).split())
    assert code in text and nik in text and "Hemodialisis rutin" in text
    replied = _json(cli("--db", str(village), "referral", "reply", code, "--outcome",
                        "selesai", "--reference", "445/12/RSUD", "--json"))["referral"]
    assert replied["status"] == "selesai" and replied["reply_reference"] == "445/12/RSUD"
    assert [e["to_status"] for e in replied["events"]][-3:] == ["diterima", "diproses",
                                                                "selesai"]


def test_the_monthly_report_prints_to_pdf_and_to_a_workbook(cli, village, tmp_path):
    rows = _json(cli("--db", str(village), "referral", "list", "--json"))
    month = max(r["received_on"] for r in rows if r["status"] != "draft")[:7]
    pdf, xlsx = tmp_path / "rekap.pdf", tmp_path / "rekap.xlsx"
    assert cli("--db", str(village), "print", "rekap-rujukan", "--month", month,
               "--out", str(pdf)).returncode == 0
    assert "REKAP BULANAN" in " ".join(pages_text(pdf.read_bytes()))
    assert cli("--db", str(village), "print", "rekap-rujukan", "--month", month,
               "--out", str(xlsx)).returncode == 0
    listed = [r for r in openpyxl.load_workbook(xlsx)["Daftar rujukan"].iter_rows(
        min_row=2, values_only=True)]
    in_month = [r for r in rows if r["received_on"].startswith(month) and r["status"] != "draft"]
    assert sorted(x[0] for x in listed) == sorted(r["tracking_code"] for r in in_month)
    bad = cli("--db", str(village), "print", "rekap-rujukan", "--month", "2026-13",
              "--out", str(pdf))
    assert bad.returncode == 2 and "TTTT-BB" in bad.stderr


def test_the_kepala_desa_cannot_record_and_sees_masked_niks(cli, village):
    kades = {"PUSKESOS_USER": "kades", "PUSKESOS_PASSWORD": "demo123"}
    rows = _json(cli("--db", str(village), "referral", "list", "--json", login=kades))
    with_nik = [r for r in rows if r["person_nik"]]
    assert with_nik and all("*" in r["person_nik"] for r in with_nik)
    refused = cli("--db", str(village), "referral", "add", "--name", "X",
                  "--no-nik-reason", "hilang", "--category", "lainnya", "--description", "x",
                  login=kades)
    assert refused.returncode != 0 and not refused.stdout


def test_every_change_the_window_makes_is_a_command(cli, village, tmp_path):
    """Follow-up date, documents, a correction of the intake, an attachment saved and
    removed: the window's changes of a referral from the command line too."""
    from reportlab.pdfgen.canvas import Canvas
    added = _json(cli("--db", str(village), "referral", "add", "--name", "BUDI",
                      "--no-nik-reason", "hilang", "--category", "lainnya",
                      "--description", "Awal", "--json"))["referral"]
    code = added["tracking_code"]
    fixed = _json(cli("--db", str(village), "referral", "update", code, "--category",
                      "kesehatan", "--description", "Berobat ke RSUD", "--json"))["referral"]
    assert (fixed["category"], fixed["description"]) == ("kesehatan", "Berobat ke RSUD")
    docs = _json(cli("--db", str(village), "referral", "documents", code, "--document",
                     "SKTM=ada", "--document", "Kartu BPJS", "--json"))["referral"]
    assert [(d["name"], d["present"]) for d in docs["documents"]] == [("SKTM", True),
                                                                      ("Kartu BPJS", False)]
    later = _json(cli("--db", str(village), "referral", "follow-up", code, "--on",
                      "31-12-2030", "--json"))["referral"]
    assert later["follow_up_on"] == "2030-12-31"
    pdf = tmp_path / "surat.pdf"
    canvas = Canvas(str(pdf))
    canvas.drawString(100, 700, "surat dokter")
    canvas.save()
    attached = _json(cli("--db", str(village), "referral", "attach", code, str(pdf),
                         "--json"))["referral"]
    attachment = attached["attachments"][0]["id"]
    copy = tmp_path / "salinan.pdf"
    assert cli("--db", str(village), "referral", "attachment-save", attachment, "--out",
               str(copy)).returncode == 0 and copy.read_bytes() == pdf.read_bytes()
    gone = _json(cli("--db", str(village), "referral", "attachment-remove", attachment,
                     "--reason", "salah berkas", "--json"))["referral"]
    assert gone["attachments"] == []
