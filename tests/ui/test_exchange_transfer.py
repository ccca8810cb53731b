"""Sending and receiving bundles through the Pertukaran Data page, pressed in the real
window on both sides: the demo village writes its bundle to a "USB" folder, the
kabupaten's window reads it, shows what it would change, applies it and writes the
receipt, and the village's window reads the receipt; the bundle list says it was
received."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from puskesos.models import Household
from puskesos.services import Actor, open_services
from puskesos.ui.exchange_dialogs import ExportDialog, PlanDialog
from puskesos.ui.main_window import MainWindow
from tests.conftest import ADMIN
from tests.ui.conftest import activate, click, dialogs

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")


def _page(qtbot, services, actor):
    win = MainWindow(services, actor, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    activate(qtbot, win)
    win.show_module("exchange")
    return win, win.pages["exchange"]


def _kabupaten_trusting(village, tmp_path):
    """The kabupaten's database, it and the village each trusting the other."""
    kabupaten = open_services(str(tmp_path / "tuban.sqlite"), create=True)
    kabupaten.settings.init_kabupaten(actor=ADMIN, kabupaten_code="35.23")
    for me, other, name in ((village, kabupaten, "desa"), (kabupaten, village, "kab")):
        me.keys.ensure_keys(actor=ADMIN)
        card = tmp_path / f"{name}.json"
        shown = me.keys.export_identity(actor=ADMIN, path=card)
        other.keys.trust(actor=ADMIN, path=card, fingerprint=shown.fingerprint)
    return kabupaten


def _read(into: list):
    def handler(box: QMessageBox):
        assert isinstance(box, QMessageBox), box.windowTitle()
        into.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()
    return handler


def test_a_bundle_from_the_village_window_to_the_kabupaten_window_and_back(
        qtbot, village, tmp_path, monkeypatch):
    kabupaten = _kabupaten_trusting(village, tmp_path)
    try:
        usb = tmp_path / "usb"
        usb.mkdir()

        # the village sends
        win, page = _page(qtbot, village, KOORDINATOR)
        assert "Desa Jlodro" in page.office_label.text()
        told: list[str] = []

        def where(dialog: ExportDialog):
            assert dialog.to.currentText() == "Kabupaten Tuban (35.23)"
            dialog.folder.setText(str(usb))
            click(qtbot, dialog.ok)

        # (one handler a block: a dialog deleted may leave its address to the next)
        with dialogs(where):
            click(qtbot, page.send_button)
        with dialogs(_read(told)):
            qtbot.waitUntil(lambda: bool(told), timeout=30000)
        [bundle] = list(usb.glob("*.puskesos"))
        assert bundle.name in told[0] and str(usb) in told[0]
        assert page.tabs.tabText(1) == "Bundel terkirim (1 menunggu)"
        assert page.sent_model.index(0, 6).data() == "Menunggu tanda terima"
        # the demo's programs, referrals, labelling and verval results went too
        assert int(page.sent_model.index(0, 5).data()) > 100
        win.close()

        # the kabupaten receives: what it would change, then applied
        kab_win, kab_page = _page(qtbot, kabupaten, ADMIN)
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(bundle), "")))
        seen = {}

        def plan(dialog: PlanDialog):
            seen["summary"] = dialog.summary.text()
            seen["rows"] = dialog.model.rowCount()
            click(qtbot, dialog.apply)

        told.clear()
        with dialogs(plan):
            click(qtbot, kab_page.receive_button)
            qtbot.waitUntil(lambda: "rows" in seen, timeout=30000)
        with dialogs(_read(told)):
            qtbot.waitUntil(lambda: bool(told), timeout=30000)
        with village.db.read() as s:
            households = s.scalar(select(func.count()).select_from(Household))
        assert "Desa Jlodro (35.23.01.2001)" in seen["summary"]
        new = int(seen["summary"].split("Baru: ")[1].split(" ")[0])
        assert new > households and seen["rows"] == min(new, 2000)
        if new > 2000:
            assert f"2000 pertama dari {new} data" in seen["summary"]
        with kabupaten.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Household)) == households
        [receipt] = list(usb.glob("*-tanda-terima.puskesos"))
        assert str(receipt) in told[0]
        kab_win.close()

        # the village reads the receipt: the bundle was received
        win, page = _page(qtbot, village, KOORDINATOR)
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(receipt), "")))
        told.clear()
        with dialogs(_read(told)):
            click(qtbot, page.receive_button)
            qtbot.waitUntil(lambda: bool(told), timeout=30000)
        assert "sudah diterima" in told[0]
        assert page.tabs.tabText(1) == "Bundel terkirim (0 menunggu)"
        assert page.sent_model.index(0, 6).data() == "Diterima"
    finally:
        kabupaten.close()


def test_a_damaged_bundle_is_refused_with_a_message_and_changes_nothing(
        qtbot, village, tmp_path, monkeypatch):
    village.keys.ensure_keys(actor=ADMIN)
    bad = tmp_path / "rusak.puskesos"
    bad.write_bytes(b"age-encryption.org/v1\n-> X25519 bukan bundel\n")
    win, page = _page(qtbot, village, KOORDINATOR)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    told: list[str] = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, page.receive_button)
        qtbot.waitUntil(lambda: bool(told), timeout=30000)
    assert "rusak.puskesos" in told[0]
    assert page.queue_model.rowCount() == 0


def test_the_send_dialog_chooses_its_folder_through_the_button(qtbot, village, tmp_path,
                                                                monkeypatch):

    village.keys.ensure_keys(actor=ADMIN)
    dialog = ExportDialog(village, ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    # no office trusted yet: said, and nothing to send
    assert dialog.empty.isVisible() and not dialog.ok.isEnabled()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    choose = next(b for b in dialog.findChildren(type(dialog.ok))
                  if b.text() == "Pilih…")
    qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    assert dialog.folder.text() == str(tmp_path)
    dialog.reject()


def _kabupaten_with(village, tmp_path):
    """The kabupaten's database, each office trusting the other, with the village's
    first bundle imported and its receipt carried back."""
    kabupaten = _kabupaten_trusting(village, tmp_path)
    up = tmp_path / "up"
    up.mkdir()
    [sent] = village.exchange.export_to(actor=ADMIN, folder=up)
    done = kabupaten.exchange.import_file(actor=ADMIN, path=sent)
    village.exchange.import_file(actor=ADMIN, path=done.receipt_path)
    return kabupaten


def test_a_reply_from_the_kabupaten_is_shown_then_moves_the_referral(
        qtbot, village, tmp_path, monkeypatch):
    """The kabupaten's bundle brings a service's reply: the plan names the referral and
    the reply before anything changes; applied, the referral is done."""
    kabupaten = _kabupaten_with(village, tmp_path)
    try:
        down = tmp_path / "down"
        down.mkdir()
        [referral] = [r for r in kabupaten.referrals.list(actor=ADMIN, status="dirujuk")][:1]
        kabupaten.referrals.record_reply(actor=ADMIN, referral_id=referral.id,
                                         outcome="selesai", reference="460/9/2026")
        # the kabupaten also ranks a family anew (its DTSEN fact)
        with kabupaten.db.write() as s:
            ranked = s.scalars(select(Household).where(
                Household.desil == 3, Household.no_kk.is_not(None))
                .order_by(Household.id)).first()
            ranked_kk, ranked.desil = ranked.no_kk, 1
        [bundle] = kabupaten.exchange.export_to(actor=ADMIN, folder=down,
                                                to=village.settings.village().code)

        win, page = _page(qtbot, village, KOORDINATOR)
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(bundle), "")))
        seen, told = {}, []

        def plan(dialog: PlanDialog):
            seen["summary"] = dialog.summary.text()
            seen["changes"] = {dialog.model.index(r, 1).data(): dialog.model.index(r, 2).data()
                               for r in range(dialog.model.rowCount())}
            # nothing has moved while the plan is shown
            seen["before"] = village.referrals.detail(referral.id, actor=ADMIN).status
            click(qtbot, dialog.apply)

        with dialogs(plan):
            click(qtbot, page.receive_button)
            qtbot.waitUntil(lambda: "summary" in seen, timeout=30000)
        with dialogs(_read(told)):
            qtbot.waitUntil(lambda: bool(told), timeout=30000)
        assert (f"Balasan rujukan {referral.tracking_code} ({referral.person_name}): "
                "Selesai") in seen["summary"]
        assert seen["before"] == "dirujuk"
        # a family changed: each field from what it holds here to what it will hold
        [family] = [k for k in seen["changes"] if k.startswith(ranked_kk)]
        assert seen["changes"][family] == "Desil: 3 → 1"
        after = village.referrals.detail(referral.id, actor=ADMIN)
        assert after.status == "selesai" and after.reply_reference == "460/9/2026"
        assert [e.source for e in after.events][-1] == "bundle"
        win.close()
    finally:
        kabupaten.close()


def test_at_the_kabupaten_a_referral_is_answered_not_changed(qtbot, village, tmp_path):
    """The Dinas Sosial's desk shows a village's referral with only *Catat balasan*: the
    reply is kept to send (said so), the village's referral is not changed here, and
    anything else a person tries is refused with why."""
    from puskesos.errors import InvalidInput
    from puskesos.ui.referral_steps import ReplyDialog
    from tests.ui.referral_helpers import open_page, open_row, row_of
    kabupaten = _kabupaten_with(village, tmp_path)
    try:
        [referral] = kabupaten.referrals.list(actor=ADMIN, status="dirujuk")[:1]
        window, page = open_page(qtbot, kabupaten, ADMIN)
        assert not page.new_button.isEnabled()
        detail = open_row(qtbot, page, row_of(page, referral.id))
        assert {k for k, b in detail.actions.items() if b.isVisible()} == {"reply"}
        assert not detail.file_buttons["add"].isEnabled()

        def reply(dialog: ReplyDialog):
            dialog.outcome.setCurrentIndex(dialog.outcome.findData("selesai"))
            qtbot.keyClicks(dialog.reference, "460/5/DINSOS")
            click(qtbot, dialog.ok)

        with dialogs(reply):
            click(qtbot, detail.actions["reply"])
        assert "Dirujuk" in detail.fields["status"].text()
        assert "Balasan Selesai" in detail.fields["reply"].text()
        assert "dikirim ke desa dalam bundel berikutnya" in detail.fields["reply"].text()
        detail.reject()
        with pytest.raises(InvalidInput, match="Catat balasan"):
            kabupaten.referrals.transition(actor=ADMIN, referral_id=referral.id,
                                           status="dibatalkan", note="x")
        window.close()
    finally:
        kabupaten.close()


def test_a_signed_bundle_with_a_bad_record_is_refused_and_answered_from_the_window(
        qtbot, village, tmp_path, monkeypatch):
    """A bundle from the trusted kabupaten whose record fails the checks: the window
    says why and where the receipt saying so was written; the same file again is
    refused as refused before, with no second receipt."""
    from datetime import datetime, timezone

    from puskesos.db.migrate import SCHEMA_HEAD
    from puskesos.formats.bundle import Manifest, Party, bundle_name, write_bundle
    kabupaten = _kabupaten_with(village, tmp_path)
    code = village.settings.village().code
    try:
        down = tmp_path / "down"
        down.mkdir()
        now = datetime.now(timezone.utc)
        bad = down / bundle_name("35.23", 1, now, receiver_code=code)
        write_bundle(bad, Manifest(kind="data", schema=SCHEMA_HEAD,
                                   source=Party("35.23", "kabupaten", "Kabupaten Tuban"),
                                   receiver=Party(code, "desa"),
                                   bundle_id="00000000-0000-4000-8000-0000000000d1",
                                   sequence=1, created_at=now, program_version="0.1.0"),
                     [("data/household.jsonl", b'{"id": "0f8e2c4a-1b3d-4e5f-8a9b-'
                       b'0c1d2e3f4a5b", "version": 1, "address": "JL.\\u0007"}\n')],
                     signing_key=kabupaten.keys.signing_key(actor=ADMIN),
                     recipient=kabupaten.keys.peer(code).age_recipient)
        win, page = _page(qtbot, village, KOORDINATOR)
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (str(bad), "")))
        told: list[str] = []
        for _attempt in range(2):
            with dialogs(lambda box: (told.append(box.text()), box.accept())):
                click(qtbot, page.receive_button)
                qtbot.waitUntil(lambda: len(told) > _attempt, timeout=30000)
        [receipt] = list(down.glob("*tanda-terima.puskesos"))
        assert "karakter kendali" in told[0] and str(receipt) in told[0]
        assert "sudah ditolak" in told[1]
        win.close()
    finally:
        kabupaten.close()


def test_the_kabupatens_family_list_chooses_a_village(qtbot, village, tmp_path):
    """At the kabupaten the Keluarga page holds every village that sent a bundle: a
    village list (hidden in a village's own database) shows one village's families."""
    from puskesos.services.demo import generate
    from tests.ui.conftest import activate
    kabupaten = _kabupaten_with(village, tmp_path)
    other = open_services(str(tmp_path / "wukirsari.sqlite"), create=True)
    try:
        other.settings.init_village(actor=ADMIN, village_code="35.23.01.2002")
        generate(other, actor=ADMIN, households=12, seed=2)
        for me, them, name in ((other, kabupaten, "desa2"), (kabupaten, other, "kab2")):
            me.keys.ensure_keys(actor=ADMIN)
            card = tmp_path / f"{name}.json"
            shown = me.keys.export_identity(actor=ADMIN, path=card)
            them.keys.trust(actor=ADMIN, path=card, fingerprint=shown.fingerprint)
        second = tmp_path / "second"
        second.mkdir()
        [sent] = other.exchange.export_to(actor=ADMIN, folder=second)
        mine = village.households.search(actor=ADMIN, limit=1)[1]

        window = MainWindow(kabupaten, ADMIN, idle_minutes=0)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        activate(qtbot, window)
        window.show_module("households")
        page = window.pages["households"]
        assert page.village.isVisible() and page.village.count() == 2
        # the second village's bundle arrives while the page is open: it is offered
        kabupaten.exchange.import_file(actor=ADMIN, path=sent)
        window.bus.changed("household", [])
        choices = [page.village.itemText(i) for i in range(page.village.count())]
        assert choices[0] == "Semua desa" and len(choices) == 3
        assert any("(35.23.01.2002)" in c for c in choices)
        qtbot.waitUntil(lambda: page.count_label.text().split(" ")[2:3] == [str(mine + 12)]
                        or page.count_label.text() == f"{mine + 12} keluarga", timeout=10000)
        page.village.setCurrentIndex(page.village.findData("35.23.01.2002"))
        qtbot.waitUntil(lambda: page.count_label.text() == "12 keluarga", timeout=10000)
        assert page.model.rowCount() == 12
        window.close()
        # a village's own database has no village list
        window = MainWindow(village, ADMIN, idle_minutes=0)
        qtbot.addWidget(window)
        window.show()
        window.show_module("households")
        assert not window.pages["households"].village.isVisible()
        window.close()
    finally:
        other.close()
        kabupaten.close()
