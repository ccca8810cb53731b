"""The verval module in the real window: from a new cycle to the berita acara."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from puskesos.services import Actor
from puskesos.services.registry import HouseholdFilter
from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.main_window import MainWindow
from puskesos.ui.verval_dialogs import (MusdesDialog, NewCycleDialog, ProposalsDialog,
                                        ResultDialog)
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import answer_modals

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


@pytest.fixture
def window(qtbot, village):
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.show()
    win.show_module("verval")
    return win


def close_previews(page):
    for preview in list(page.previews):
        preview.reject()


def test_from_new_cycle_to_berita_acara(qtbot, window, village):
    page = window.pages["verval"]
    assert page.cycle_box.count() == 1  # the demo cycle

    def fill_cycle(dialog: NewCycleDialog):
        dialog.name.setText("Verval Uji Coba")
        dialog.period.setText("2026-U1")
        dialog.deadline.setText("31-12-2026")
        dialog.all.setChecked(True)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    def read_summary(box: QMessageBox):
        assert "keluarga" in box.text()
        box.accept()

    answer_modals(fill_cycle, read_summary)
    page.new_cycle()
    assert page.cycle_box.currentText() == "Verval Uji Coba (2026-U1)"
    households = village.households.counts(actor=OPERATOR).households
    assert page.model.rowCount() == households
    assert page.progress.value() == 0

    # record a visit with a correction of the address
    page.table.selectRow(0)
    entry = page.selected()

    def fill_result(dialog: ResultDialog):
        dialog.result.set_code("2")
        dialog.add_correction(dialog.household.id, "address", "JL. BARU 9")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    answer_modals(fill_result)
    page.record_result()
    assert page.progress.value() == 1
    assert "(1)" in page.buttons["proposals"].text()

    def approve(dialog: ProposalsDialog):
        dialog.table.selectAll()
        dialog.approve.click()
        assert dialog.model.rowCount() == 0
        dialog.reject()

    answer_modals(approve)
    page.show_proposals()
    stored = village.households.get(actor=OPERATOR, household_id=entry.household_id)
    assert stored.data.address == "JL. BARU 9"

    # forms of one area, in the preview
    page.rt.setCurrentIndex(1)
    area_rows = page.model.rowCount()
    page.print_forms()
    qtbot.waitUntil(lambda: bool(page.previews), timeout=60000)
    preview = page.previews[0]
    assert preview.page_count() == preview.document.pages >= area_rows
    texts = pages_text(preview.document.pdf)
    assert sum("FORMULIR VERIFIKASI" in t for t in texts) == area_rows
    close_previews(page)

    def hold_musdes(dialog: MusdesDialog):
        dialog.place.setText("Balai Desa Jlodro")
        dialog.others.setPlainText("KASMIRAN; Ketua RT 001")
        dialog.fill_suggested()
        for box in dialog.findChildren(QDialogButtonBox):
            button = box.button(QDialogButtonBox.StandardButton.Save)
            if button:
                button.click()

    answer_modals(hold_musdes)
    page.edit_musdes()
    musdes = village.verval.musdes(page.cycle_id(), actor=OPERATOR)
    assert musdes.place == "Balai Desa Jlodro"
    assert any(a.name == "KASMIRAN" for a in musdes.attendees)

    page.print_berita_acara()
    qtbot.waitUntil(lambda: bool(page.previews), timeout=15000)   # made in the background
    preview = page.previews[0]
    number = preview.document.letter_number
    assert re.match(r"460/\d{3}/35\.23\.01\.2001/", number)
    assert number in preview.windowTitle()
    text = pages_text(preview.document.pdf)
    assert number in text[0] and "KASMIRAN" in text[-1]
    close_previews(page)

    # the household list filters by verval status of the latest cycle
    window.show_module("households")
    households_page = window.households
    index = households_page.verval.findData("visited")
    households_page.verval.setCurrentIndex(index)
    households_page.refresh()
    rows, total = village.households.search(actor=OPERATOR,
                                            filter=HouseholdFilter(verval="visited"))
    assert total == 1 and rows[0].id == entry.household_id
    assert households_page.model.rowCount() == 1


def test_visits_one_after_another_in_the_not_visited_list(qtbot, window, village):
    """With "not visited yet only", a saved visit leaves the list, the next household
    is selected for the next visit, and the counts follow, area label included."""
    page = window.pages["verval"]
    page.pending.setChecked(True)
    # an area with at least two households not visited yet
    left = [int(total) - int(done) for done, total in
            (re.search(r"(\d+)/(\d+)", page.rt.itemText(i)).groups()
             for i in range(1, page.rt.count()))]
    page.rt.setCurrentIndex(1 + max(range(len(left)), key=left.__getitem__))
    area_label = page.rt.currentText()
    before_rows, before_done = page.model.rowCount(), page.progress.value()
    assert before_rows >= 2
    page.table.selectRow(0)
    first, second = page.model.row_at(0), page.model.row_at(1)

    def fill_result(dialog: ResultDialog):
        dialog.result.set_code("1")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    answer_modals(fill_result)
    page.record_result()
    assert page.model.rowCount() == before_rows - 1
    assert all(page.model.row_at(i).id != first.id for i in range(page.model.rowCount()))
    assert page.selected().id == second.id
    assert page.progress.value() == before_done + 1
    done, total = re.search(r"(\d+)/(\d+)", area_label).groups()
    assert f"{int(done) + 1}/{total}" in page.rt.currentText()
    # the same list as read again from the start
    shown = [page.model.row_at(i) for i in range(page.model.rowCount())]
    page.refresh_entries(keep_areas=True)
    assert [page.model.row_at(i) for i in range(page.model.rowCount())] == shown


def test_a_new_member_written_at_the_visit_becomes_a_proposal(qtbot, window, village):
    from PySide6.QtWidgets import QPushButton
    page = window.pages["verval"]
    page.table.selectRow(0)
    entry = page.selected()
    before = len(village.verval.proposals(cycle_id=page.cycle_id(), actor=OPERATOR))

    def fill_result(dialog: ResultDialog):
        dialog.result.set_code("1")
        add = next(b for b in dialog.findChildren(QPushButton)
                   if b.text() == "Tambah anggota baru")
        add.click()
        row = dialog.member_table.rowCount() - 1
        table = dialog.member_table
        table.item(row, 0).setText("Sri Rahayu")
        table.item(row, 2).setText("p")
        table.item(row, 3).setText("02-05-1998")
        table.cellWidget(row, 4).set_code("4")            # menantu
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    answer_modals(fill_result)
    page.record_result()
    waiting = village.verval.proposals(cycle_id=page.cycle_id(), actor=KOORDINATOR)
    assert len(waiting) == before + 1
    proposal = next(p for p in waiting if p.target_name == "SRI RAHAYU")
    assert proposal.new_value == "SRI RAHAYU · P · 02-05-1998 · Menantu"
    assert f"({before + 1})" in page.buttons["proposals"].text()

    def look(dialog: ProposalsDialog):
        rows = [dialog.model.row_at(i) for i in range(dialog.model.rowCount())]
        assert any(r.field_label == "Anggota baru" for r in rows)
        dialog.reject()

    answer_modals(look)
    page.show_proposals()
    village.verval.decide_proposal(actor=KOORDINATOR, proposal_id=proposal.id, approve=True)
    stored = village.households.get(actor=OPERATOR, household_id=entry.household_id)
    assert any(m.name == "SRI RAHAYU" and m.relationship_code == "4" for m in stored.members)


def test_a_cycle_from_the_households_shown_in_the_list(qtbot, window, village):
    window.show_module("households")
    households = window.households
    households.desil.setCurrentIndex(households.desil.findData("1"))
    expected = village.households.search(actor=OPERATOR,
                                         filter=households.current_filter())[1]
    assert 0 < expected < village.households.counts(actor=OPERATOR).households
    window.show_module("verval")
    page = window.pages["verval"]

    def fill_cycle(dialog: NewCycleDialog):
        assert dialog.shown.isEnabled()
        dialog.name.setText("Verval desil 1")
        dialog.shown.setChecked(True)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modals(fill_cycle, lambda box: box.accept())
    page.new_cycle()
    assert page.cycle_box.currentText().startswith("Verval desil 1")
    assert page.model.rowCount() == expected


def test_an_operator_sees_the_corrections_but_cannot_approve(qtbot, village):
    win = MainWindow(village, OPERATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.show()
    win.show_module("verval")
    page = win.pages["verval"]

    def look(dialog: ProposalsDialog):
        assert not dialog.approve.isEnabled()
        assert "koordinator" in dialog.notice.text()
        dialog.reject()

    answer_modals(look)
    page.show_proposals()


def test_sktm_from_the_household_form(qtbot, village):
    rows, _total = village.households.search(actor=OPERATOR, limit=50)
    row = next(r for r in rows if r.head_name)
    form = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    form.show()
    try:
        form.tabs.setCurrentIndex(1)
        form.members_view.selectRow(0)
        form.print_sktm(purpose="keringanan biaya sekolah")
        document = form.preview.document
        assert document.letter_number.startswith("460/")
        text = pages_text(document.pdf)[0]
        assert form.members[0].name in text and "keringanan biaya sekolah" in text
        form.preview.reject()
    finally:
        form._saved_state = form._state()
        form.close()


def test_preview_prints_through_qprinter_and_saves(qtbot, village, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from puskesos.ui.pdf_preview import PRINT_DPI, PdfPreview
    document = village.documents.berita_acara(actor=OPERATOR)
    preview = PdfPreview(document)
    qtbot.addWidget(preview)
    preview.show()
    assert preview.page_count() == document.pages
    printer = preview.make_printer()
    assert printer.resolution() == PRINT_DPI
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert preview.print_to(printer)
    from pypdf import PdfReader
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == document.pages
    saved = preview.save_pdf(str(tmp_path / "salinan"))
    assert saved == tmp_path / "salinan.pdf" and saved.read_bytes() == document.pdf


def test_printing_a_long_document_shows_progress_and_can_be_cancelled(qtbot, village,
                                                                      tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    from puskesos.ui.pdf_preview import PdfPreview
    document = village.documents.verval_forms(actor=OPERATOR)
    assert document.pages > 5
    preview = PdfPreview(document)
    qtbot.addWidget(preview)
    preview.show()
    printer = preview.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    seen = []

    def page_printed(done, total):
        progress = preview.print_progress
        seen.append((done, total, progress.maximum(), progress.labelText()))
        if done == 3:
            progress.cancel()             # the operator presses Cancel
    monkeypatch.setattr(preview, "page_printed", page_printed)
    told = []
    answer_modals(lambda box: (told.append(box.text()), box.accept()))
    assert not preview.print_to(printer)
    assert [s[0] for s in seen] == [1, 2, 3]
    assert seen[0][1] == seen[0][2] == document.pages
    assert "3" in seen[-1][3] and str(document.pages) in seen[-1][3]
    assert told and "dibatalkan" in told[0]
    assert not preview.printed and preview.print_progress is None


def test_letter_register_void_and_outside_letters(qtbot, village):
    from datetime import date
    win = MainWindow(village, OPERATOR, idle_minutes=0)
    qtbot.addWidget(win)
    members, _t = village.households.search(actor=OPERATOR, limit=5)
    household = village.households.get(actor=OPERATOR, household_id=members[0].id)
    village.documents.sktm(actor=OPERATOR, member_id=household.members[0].id,
                           purpose="beasiswa")
    dialog = win.show_letter_register()
    dialog.kind.setCurrentIndex(dialog.kind.findData("sktm"))
    assert dialog.model.rowCount() == 1
    dialog.table.selectRow(0)
    dialog.void(reason="salah nama")
    assert "salah nama" in dialog.model.data(dialog.model.index(0, 3))
    year = date.today().year
    dialog.record_external((3, f"460/003/35.23.01.2001/I/{year}", "surat manual"))
    assert dialog.model.rowCount() == 2
    assert "2" in dialog.gaps.text()  # number 2 is missing: the register says so
    dialog.record_external((2, f"460/002/35.23.01.2001/I/{year}", "surat manual"))
    assert dialog.gaps.text() == "Tidak ada celah dalam penomoran."
    assert dialog.log_model.rowCount() >= 1  # the SKTM print
    assert village.letters.gaps(letter_type="sktm", year=year, actor=OPERATOR) == []
    dialog.reject()
