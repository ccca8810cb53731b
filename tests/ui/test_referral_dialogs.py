"""A referral's dialogs in the real window: every button pressed in each state, the
reply, a home visit and a case solved in the village, attachments, and the
services kept in Settings offered when referring."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QUrl, Slot

from puskesos.ui.referral_steps import ReferDialog
from tests.ui.conftest import click, dialogs
from tests.ui.referral_helpers import (ADMIN, KADES, OPERATOR, a_resident, open_page,
                                       open_row, row_of, shown)


@pytest.mark.parametrize("actor", [OPERATOR, KADES], ids=["operator", "kades"])
def test_press_everything_in_a_referral_of_every_state(qtbot, village, tmp_path, actor):
    """Every enabled button of a referral opened, in each state a referral can be in,
    answered as test_press_everything answers (the choice that changes least): no
    crash, no Qt warning."""
    from tests.ui.test_press_everything import Answerer, _pressable
    person = a_resident(village)

    def new(**kw):
        return village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                     category="kesehatan", description="Berobat", **kw)

    draft, recorded = new(draft=True), new()
    referred = village.referrals.refer(actor=ADMIN, referral_id=new().id,
                                       target_service="RSUD", service_requested="Operasi")
    village.referrals.print_letter(actor=ADMIN, referral_id=referred.id)
    process = village.referrals.record_reply(
        actor=ADMIN, referral_id=village.referrals.refer(
            actor=ADMIN, referral_id=new().id, target_service="RSUD",
            service_requested="Operasi").id, outcome="diproses")
    solved = village.referrals.solve_in_village(actor=ADMIN, referral_id=new().id,
                                                action_taken="Dibantu")
    window, page = open_page(qtbot, village, actor)
    answerer = Answerer(tmp_path)
    pressed = []
    try:
        for referral in (draft, recorded, referred, process, solved):
            detail = page.open_selected(referral.id)
            for index in range(detail.tabs.count()):
                detail.tabs.setCurrentIndex(index)
                for button in _pressable(detail):
                    if button.text() in ("Tutup",):
                        continue
                    pressed.append(f"{referral.status}: {button.text()}")
                    button.click()
                    qtbot.waitUntil(lambda: not window.bus.ops.active(), timeout=30000)
                    qtbot.wait(20)
                    for preview in list(detail.previews):
                        preview.reject()
            detail.reject()
    finally:
        answerer.stop()
    assert not answerer.crashes, answerer.crashes
    if actor is KADES:
        assert pressed == []           # a reader finds nothing to press but Close
    else:
        assert len(pressed) > 10, pressed


def test_reply_visit_and_solved_in_the_village_through_their_dialogs(qtbot, village):
    from puskesos.ui.referral_steps import ReplyDialog, SolveDialog, VisitDialog
    person = a_resident(village)
    referred = village.referrals.refer(
        actor=ADMIN, referral_id=village.referrals.add(
            actor=ADMIN, member_id=person.member_id, category="kesehatan",
            description="Berobat").id, target_service="RSUD", service_requested="Operasi")
    local = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                  category="adminduk", description="Surat pindah")
    window, page = open_page(qtbot, village, OPERATOR)
    detail = open_row(qtbot, page, row_of(page, referred.id))

    def visit(dialog: VisitDialog):
        qtbot.keyClicks(dialog.findings, "Menunggu jadwal operasi")
        click(qtbot, dialog.ok)

    with dialogs(visit):                 # a home visit while it is open
        click(qtbot, detail.actions["visit"])
    assert detail.visits.rowCount() == 1 and detail.tabs.tabText(2) == "Kunjungan (1)"
    assert detail.visits.index(0, 2).data() == "Menunggu jadwal operasi"

    def reply(dialog: ReplyDialog):
        choices = [dialog.outcome.itemText(i) for i in range(dialog.outcome.count())]
        assert choices == ["Diterima layanan", "Diproses", "Selesai", "Ditolak",
                           "Tidak dapat ditindaklanjuti"]
        dialog.outcome.setCurrentIndex(dialog.outcome.findData("selesai"))
        qtbot.keyClicks(dialog.reference, "445/77/RSUD")
        click(qtbot, dialog.ok)

    with dialogs(reply):
        click(qtbot, detail.actions["reply"])
    assert "Selesai" in detail.fields["status"].text()
    assert "445/77/RSUD" in detail.fields["reply"].text()
    # received, processed and done, each a step with the reply's date
    assert detail.events.rowCount() == 5
    offered = {k for k, b in detail.actions.items() if b.isVisible()}
    assert offered == set()              # closed: nothing more to step, no visit, no letter
    assert not detail.file_buttons["add"].isEnabled()

    detail.reject()

    detail = open_row(qtbot, page, row_of(page, local.id))

    def solve(dialog: SolveDialog):
        qtbot.keyClicks(dialog.action, "Surat pindah dibuat di kantor desa")
        click(qtbot, dialog.ok)

    with dialogs(solve):
        click(qtbot, detail.actions["solve"])
    assert shown(page, row_of(page, local.id), 6) == "Selesai di desa"
    assert not detail.actions["letter"].isVisible()   # no letter for a case solved here
    detail.reject()


def test_the_services_kept_in_settings_are_offered_when_referring(qtbot, village):
    """The list Settings → Layanan rujukan keeps is what Rujuk… offers, in its order."""
    person = a_resident(village)
    referral = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                     category="kesehatan", description="Berobat")
    village.referrals.set_services(actor=ADMIN, names=["Puskesmas Kedungadem",
                                                       "RSUD Sosodoro"])
    window, page = open_page(qtbot, village, OPERATOR)
    detail = open_row(qtbot, page, row_of(page, referral.id))
    offered = []

    def look(dialog: ReferDialog):
        offered.extend(dialog.target.itemText(i) for i in range(dialog.target.count()))
        dialog.reject()

    with dialogs(look):
        click(qtbot, detail.actions["refer"])
    assert offered == ["Puskesmas Kedungadem", "RSUD Sosodoro"]
    detail.reject()


class Opened(QObject):
    """Receives the files the window asks the computer to open (Qt's own URL
    handler, instead of starting a viewer during the test)."""

    def __init__(self):
        super().__init__()
        self.paths = []

    @Slot(QUrl)
    def open(self, url):
        self.paths.append(url.toLocalFile())


def test_attachments_added_opened_copied_and_removed(qtbot, village, tmp_path):
    pytest.importorskip("puskesos.formats.attachments")
    from PySide6.QtGui import QColor, QDesktopServices, QImage
    from PySide6.QtWidgets import QFileDialog, QInputDialog
    scan = tmp_path / "ktp.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    assert image.save(str(scan))
    note = tmp_path / "catatan.txt"
    note.write_text("bukan gambar")
    person = a_resident(village)
    referral = village.referrals.add(actor=ADMIN, member_id=person.member_id,
                                     category="kesehatan", description="Berobat")
    window, page = open_page(qtbot, village, OPERATOR)
    detail = open_row(qtbot, page, row_of(page, referral.id))
    detail.tabs.setCurrentIndex(4)
    told = []

    def choose(dialog: QFileDialog):
        dialog.setDirectory(str(tmp_path))
        dialog.selectFile(f'"{scan.name}" "{note.name}"')
        dialog.accept()

    with dialogs(choose, lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, detail.file_buttons["add"])
    assert "catatan.txt" in told[-1] and "ktp.png" not in told[-1], told
    assert detail.files.rowCount() == 1 and detail.tabs.tabText(4) == "Lampiran (1)"
    assert detail.files.index(0, 0).data().startswith("ktp")
    assert detail.files.index(0, 1).data() == "Gambar"
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        click(qtbot, detail.file_buttons["open"])
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert len(opened.paths) == 1
    stored = village.referrals.attachment_data(detail.detail.attachments[0].id, actor=ADMIN)
    with open(opened.paths[0], "rb") as fh:
        assert fh.read() == stored[2]
    copy = tmp_path / "salinan.png"
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        detail.copy_attachment(str(copy))
    assert str(copy) in told[-1] and copy.read_bytes() == stored[2]

    def reason(dialog: QInputDialog):
        dialog.setTextValue("Salah pindai")
        dialog.accept()

    with dialogs(reason):
        click(qtbot, detail.file_buttons["remove"])
    assert detail.files.rowCount() == 0 and not detail.file_buttons["open"].isEnabled()
    detail.reject()


def test_intake_keeps_the_attached_scans(qtbot, village, tmp_path):
    pytest.importorskip("puskesos.formats.attachments")
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QFileDialog
    scan = tmp_path / "kk.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    assert image.save(str(scan))
    window, page = open_page(qtbot, village, OPERATOR)
    intake = page.new_request()
    click(qtbot, intake.outside)
    qtbot.keyClicks(intake.name, "WARGA BARU")
    qtbot.keyClicks(intake.nik_reason, "Belum rekam")
    qtbot.keyClicks(intake.description, "Mengurus KK")

    def choose(dialog: QFileDialog):
        dialog.setDirectory(str(tmp_path))
        dialog.selectFile(scan.name)
        dialog.accept()

    with dialogs(choose):
        click(qtbot, intake.add_files)
    assert intake.attachment_paths() == [str(scan)]
    with dialogs(lambda box: box.accept()):
        click(qtbot, intake.save_button)
    saved = village.referrals.detail(village.referrals.list(actor=ADMIN)[0].id, actor=ADMIN)
    # kept as the attachment reader keeps an image (made small, under its own name)
    assert [a.filename.rsplit(".", 1)[0] for a in saved.attachments] == ["kk"]
    assert saved.attachments[0].media_type.startswith("image/")
