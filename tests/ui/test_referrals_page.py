"""The Rujukan page in the real window, pressed through its widgets: a request taken
at intake, referred and its surat rujukan printed; the overdue list shown when the
page opens; the filters; a refused step told; the Kepala Desa reads but cannot
change; what was typed is not lost (Escape, closing the window, Enter).  A
referral's dialogs one by one: tests/ui/test_referral_dialogs.py."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from puskesos.ui.referral_intake import IntakeDialog
from puskesos.ui.referral_steps import CancelDialog, ReferDialog
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import activate, click, dialogs
from tests.ui.referral_helpers import (ADMIN, KADES, OPERATOR, TODAY, a_resident,
                                       answer_message, open_page, open_row, row_of, shown)


def test_from_intake_to_the_printed_letter(qtbot, village, tmp_path):
    window, page = open_page(qtbot, village, OPERATOR)
    person = a_resident(village)
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    intake = page.open_dialogs[-1]
    assert isinstance(intake, IntakeDialog) and intake.isVisible()

    # the resident, found by name: their household and DTSEN status are shown
    qtbot.keyClicks(intake.find, person.name)
    qtbot.waitUntil(lambda: intake.results.count() > 0)
    item = intake.results.item(0)
    qtbot.mouseClick(intake.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=intake.results.visualItemRect(item).center())
    context = intake.context.toPlainText()
    assert person.no_kk in context and "Status DTSEN" in context, context
    assert "Tidak ada rujukan sebelumnya" in context
    intake.category.setCurrentIndex(intake.category.findData("kesehatan"))
    documents = [intake.documents.item(i).text() for i in range(intake.documents.count())]
    assert "Surat rujukan Puskesmas/RSUD" in documents      # the category's checklist
    intake.documents.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(intake.description, "Perlu operasi katarak di RSUD")

    told = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, intake.save_button)
    assert not intake.isVisible()
    assert "kode lacak RJ-" in told[0], told
    referral = village.referrals.list(actor=ADMIN)[0]
    assert referral.tracking_code in told[0]
    row = row_of(page, referral.id)
    assert shown(page, row, 2) == person.name
    assert shown(page, row, 6) == "Tercatat"
    assert page.selected_id() == referral.id

    # opened: the steps a recorded request allows, and no others
    detail = open_row(qtbot, page, row)
    visible = {k for k, b in detail.actions.items() if b.isVisible()}
    assert {"refer", "solve", "cancel"} <= visible
    assert not visible & {"record", "reply", "letter"}
    assert detail.documents.documents()[0] == ("Fotokopi KTP", True)

    def refer(dialog: ReferDialog):
        dialog.target.setCurrentText("Dinas Sosial")
        qtbot.keyClicks(dialog.requested, "Operasi katarak dengan PBI JKN")
        click(qtbot, dialog.ok)

    with dialogs(refer):
        click(qtbot, detail.actions["refer"])
    assert "Dirujuk" in detail.fields["status"].text()
    assert shown(page, row_of(page, referral.id), 6) == "Dirujuk"
    assert shown(page, row_of(page, referral.id), 5) == "Dinas Sosial"
    assert not detail.actions["refer"].isVisible() and detail.actions["reply"].isVisible()
    assert detail.events.rowCount() == 2

    # the surat rujukan: numbered, with the tracking code, shown in the preview
    click(qtbot, detail.actions["letter"])
    qtbot.waitUntil(lambda: bool(detail.previews), timeout=30000)
    preview = detail.previews[-1]
    number = preview.document.letter_number
    text = " ".join(" ".join(pages_text(preview.document.pdf)).split())
    assert number and number in text and referral.tracking_code in text
    assert "Operasi katarak dengan PBI JKN" in text
    saved = preview.save_pdf(str(tmp_path / "surat.pdf"))
    assert saved and saved.read_bytes().startswith(b"%PDF") and preview.saved_label.isVisible()
    preview.reject()
    assert detail.fields["letter"].text() == number
    assert shown(page, row_of(page, referral.id), 8) == number
    detail.reject()


def test_the_overdue_referrals_are_shown_when_the_page_opens(qtbot, village):
    person = a_resident(village)
    late = village.referrals.add(actor=ADMIN, member_id=person.member_id, category="lansia",
                                 description="Butuh kursi roda",
                                 received_on=TODAY - timedelta(days=20))
    fresh = village.referrals.add(actor=ADMIN, person_name="SITI PENDATANG",
                                  nik_absent_reason="KTP hilang", category="adminduk",
                                  description="Mengurus KTP")
    overdue = village.referrals.overdue(actor=ADMIN)          # the demo's and this one
    assert late.id in {r.id for r in overdue}
    window, page = open_page(qtbot, village, OPERATOR)
    assert page.banner.isVisible()
    text = page.banner_label.text()
    assert text.startswith(f"{len(overdue)} rujukan lewat tanggal tindak lanjut"), text
    assert overdue[0].person_name in text and overdue[0].tracking_code in text
    assert shown(page, row_of(page, late.id), 7).endswith("(lewat)")
    assert "(lewat)" not in shown(page, row_of(page, fresh.id), 7)
    assert page.model.index(row_of(page, late.id), 2).data(Qt.ItemDataRole.ForegroundRole)
    assert page.model.index(row_of(page, fresh.id), 2).data(
        Qt.ItemDataRole.ForegroundRole) is None
    click(qtbot, page.banner_button)
    assert page.overdue_only.isChecked()
    listed = {page.model.row_at(i).id for i in range(page.model.rowCount())}
    assert listed == {r.id for r in overdue}
    # once it is followed up (a new date), it is no longer overdue
    page.overdue_only.setChecked(False)
    detail = open_row(qtbot, page, row_of(page, late.id))

    def new_date(dialog):
        dialog.on.set_value(TODAY + timedelta(days=3))
        click(qtbot, dialog.ok)

    with dialogs(new_date):
        click(qtbot, detail.actions["follow_up"])
    assert "(lewat)" not in shown(page, row_of(page, late.id), 7)
    if len(overdue) > 1:
        assert page.banner_label.text().startswith(f"{len(overdue) - 1} rujukan lewat")
    else:
        assert not page.banner.isVisible()
    detail.reject()


def test_the_list_filters_by_status_category_and_words(qtbot, village):
    person = a_resident(village)
    first = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                  category="kesehatan", description="Berobat")
    other = village.referrals.add(actor=ADMIN, person_name="BUDI PENDATANG",
                                  nik_absent_reason="Belum rekam", category="pendidikan",
                                  description="Beasiswa", draft=True)
    window, page = open_page(qtbot, village, OPERATOR)

    def rows():
        return [page.model.row_at(i) for i in range(page.model.rowCount())]

    everything = len(rows())
    assert {first.id, other.id} <= {r.id for r in rows()}
    assert page.count_label.text() == f"{everything} rujukan"
    page.status.setCurrentIndex(page.status.findData("draft"))
    assert other.id in {r.id for r in rows()} and {r.status for r in rows()} == {"draft"}
    page.status.setCurrentIndex(page.status.findData("closed"))
    assert rows() and not {first.id, other.id} & {r.id for r in rows()}
    assert not {r.status for r in rows()} & {"draft", "tercatat", "dirujuk", "diterima",
                                              "diproses"}
    page.status.setCurrentIndex(page.status.findData("open"))
    assert {first.id, other.id} <= {r.id for r in rows()}
    page.category.setCurrentIndex(page.category.findData("kesehatan"))
    assert first.id in {r.id for r in rows()} and {r.category for r in rows()} == {"kesehatan"}
    page.category.setCurrentIndex(0)
    page.status.setCurrentIndex(0)
    qtbot.keyClicks(page.search, other.tracking_code.lower())
    qtbot.waitUntil(lambda: [r.id for r in rows()] == [other.id])
    page.search.clear()
    qtbot.keyClicks(page.search, "budi pendatang")
    qtbot.waitUntil(lambda: [r.id for r in rows()] == [other.id])
    assert page.count_label.text() == "1 rujukan"


def test_a_refused_step_shows_the_services_message(qtbot, village):
    person = a_resident(village)
    referral = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                     category="bansos", description="Usulan PKH")
    window, page = open_page(qtbot, village, OPERATOR)
    detail = open_row(qtbot, page, row_of(page, referral.id))
    told = []

    # no target service: the service says what to do, the form stays with what was typed
    def refer_nowhere(dialog: ReferDialog):
        dialog.target.setCurrentText("")
        qtbot.keyClicks(dialog.requested, "Usulan PKH")
        answer_message(told)
        click(qtbot, dialog.ok)
        assert dialog.isVisible() and dialog.requested.toPlainText() == "Usulan PKH"
        dialog.reject()

    with dialogs(refer_nowhere):
        click(qtbot, detail.actions["refer"])
    assert "Pilih layanan tujuan" in told[-1], told

    # someone else closes it meanwhile: this window's step is refused, nothing changes
    village.referrals.solve_in_village(actor=ADMIN, referral_id=referral.id,
                                       action_taken="Dibantu lewat RT")

    def cancel(dialog: CancelDialog):
        qtbot.keyClicks(dialog.reason, "Warga pindah")
        answer_message(told)
        click(qtbot, dialog.ok)
        assert dialog.isVisible()
        dialog.reject()

    with dialogs(cancel):
        click(qtbot, detail.actions["cancel"])
    assert "sudah diubah orang lain" in told[-1], told
    assert village.referrals.detail(referral.id, actor=ADMIN).status == "selesai_di_desa"
    detail.reject()


def test_intake_asks_before_throwing_away_what_was_typed(qtbot, village):
    window, page = open_page(qtbot, village, OPERATOR)
    intake = page.new_request()
    click(qtbot, intake.outside)
    qtbot.keyClicks(intake.name, "WARGA BARU")
    qtbot.keyClicks(intake.description, "Butuh bantuan")
    told = []
    # no NIK and no reason: refused with what to do
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, intake.save_button)
    assert "NIK" in told[-1] and intake.isVisible()
    # Escape asks; "Cancel" keeps the form
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Cancel).click()):
        qtbot.keyClick(intake, Qt.Key.Key_Escape)
    assert intake.isVisible() and intake.name.text() == "WARGA BARU"
    qtbot.keyClicks(intake.nik_reason, "KTP hilang")
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, intake.draft_button)
    assert "draf" in told[-1]
    row = row_of(page, village.referrals.list(actor=ADMIN)[0].id)
    assert shown(page, row, 2) == "WARGA BARU" and shown(page, row, 6) == "Draf"
    detail = open_row(qtbot, page, row, key=True)
    assert detail.actions["record"].isVisible() and not detail.actions["refer"].isVisible()
    click(qtbot, detail.actions["record"])
    assert shown(page, row_of(page, detail.referral_id), 6) == "Tercatat"
    detail.reject()


def test_the_monthly_report_as_pdf_and_workbook(qtbot, village, tmp_path):
    person = a_resident(village)
    village.referrals.add(actor=ADMIN, member_id=person.member_id, category="kesehatan",
                          description="Berobat")
    window, page = open_page(qtbot, village, OPERATOR)
    click(qtbot, page.report_button)
    report = page.open_dialogs[-1]
    assert report.month.currentData() == TODAY.month and report.year.value() == TODAY.year
    click(qtbot, report.pdf_button)
    qtbot.waitUntil(lambda: bool(page.previews), timeout=30000)
    text = " ".join(pages_text(page.previews[-1].document.pdf))
    assert person.name in text
    page.previews[-1].reject()
    told = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        report.xlsx(str(tmp_path / "rekap.xlsx"))
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    assert str(tmp_path / "rekap.xlsx") in told[0]
    assert (tmp_path / "rekap.xlsx").stat().st_size > 0
    report.reject()


def test_the_kepala_desa_reads_but_cannot_change(qtbot, village):
    person = a_resident(village)
    referral = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                     category="kesehatan", description="Berobat")
    window, page = open_page(qtbot, village, KADES)
    assert not page.new_button.isEnabled()
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not page.open_dialogs
    row = row_of(page, referral.id)
    assert "*" in page.model.row_at(row).person_nik       # masked
    detail = open_row(qtbot, page, row)
    assert "*" in detail.fields["nik"].text()
    assert detail.actions["refer"].isVisible()            # what could be done is seen …
    assert not any(b.isEnabled() for b in detail.actions.values())   # … not done
    assert not detail.save_documents.isEnabled() and not detail.file_buttons["add"].isEnabled()
    detail.reject()
    click(qtbot, page.report_button)
    report = page.open_dialogs[-1]
    assert report.pdf_button.isEnabled() and not report.xlsx_button.isEnabled()
    report.reject()


def test_closing_the_window_asks_about_a_request_being_typed(qtbot, village):
    window, page = open_page(qtbot, village, OPERATOR)
    intake = page.new_request()
    qtbot.keyClicks(intake.description, "Butuh bantuan sembako")
    asked = []
    with dialogs(lambda box: (asked.append(box.text()),
                              box.button(QMessageBox.StandardButton.Cancel).click())):
        window.close()
    assert "Buang isian permohonan" in asked[0]
    assert window.isVisible() and intake.isVisible()
    assert intake.description.toPlainText() == "Butuh bantuan sembako"
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Discard).click()):
        window.close()
    assert not window.isVisible()


def test_enter_in_the_intake_search_searches_and_does_not_save(qtbot, village):
    person = a_resident(village)
    window, page = open_page(qtbot, village, OPERATOR)
    intake = page.new_request()
    activate(qtbot, intake)
    qtbot.keyClicks(intake.find, person.name)
    qtbot.keyClick(intake.find, Qt.Key.Key_Return)      # no message box: nothing saved
    assert intake.results.count() and intake.isVisible()
    intake.results.setCurrentRow(0)
    qtbot.keyClicks(intake.description, "Butuh kursi roda")
    told = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        qtbot.keyClick(intake, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "kode lacak" in told[0] and not intake.isVisible()
