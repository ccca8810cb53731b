"""The Pertukaran Data page in the real window: the queue a kabupaten's bundle left in
the demo village (a proposal for an address the village keeps, a conflict on a desil
both changed), each settled by pressing its button, what stays in the database, the
row gone from the list; an operator reads only."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import select

from puskesos.core.exchange import BY_NAME, OfficeKind
from puskesos.models import Household
from puskesos.services import Actor
from puskesos.services.exchange import Source
from puskesos.services.exchange.records import MEMBER_NAMES, collect, read_lines
from puskesos.ui.main_window import MainWindow
from tests.ui.conftest import activate, click, dialogs

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


def _kabupaten_bundle(village) -> tuple[str, str]:
    """The kabupaten's bundle to the demo village: one family's address changed (the
    village's to keep: a proposal) and its desil too (which the village changed as
    well, never having received one: a conflict)."""
    code = village.settings.village().code
    with village.db.read() as s:
        household = s.scalars(select(Household).where(Household.desil.is_not(None))
                              .order_by(Household.id)).first()
        hid, address, desil = household.id, household.address, household.desil
        members, _counts = collect(s, village=code, since=None,
                                   until=datetime.now(timezone.utc))
    [family] = [r for r in read_lines(BY_NAME["household"],
                                      members[MEMBER_NAMES["household"]])
                if r[0] == hid]
    hid, version, values = family
    theirs = dict(values, address="JL. DARI KABUPATEN 1", desil=(desil % 10) + 1)
    source = Source("35.23", OfficeKind.KABUPATEN, code)
    plan = village.exchange.plan_import(
        actor=KOORDINATOR, source=source, bundle_id="00000000-0000-4000-8000-000000000001",
        sequence=1, records={"household": [(hid, version, theirs)]})
    village.exchange.apply_import(actor=KOORDINATOR, plan=plan)
    return hid, address


def _window(qtbot, village, actor) -> MainWindow:
    win = MainWindow(village, actor, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    bar = win.nav
    row = next(i for i in range(bar.count()) if bar.item(i).text() == "Pertukaran Data")
    qtbot.mouseClick(bar.viewport(), Qt.MouseButton.LeftButton,
                     pos=bar.visualItemRect(bar.item(row)).center())
    assert win.stack.currentWidget() is win.pages["exchange"]
    return win


def test_the_queue_settled_through_its_buttons(qtbot, village):
    hid, address = _kabupaten_bundle(village)
    with village.db.read() as s:
        desil = s.get(Household, hid).desil
    win = _window(qtbot, village, KOORDINATOR)
    activate(qtbot, win)
    page = win.pages["exchange"]
    model = page.queue_model
    assert page.tabs.tabText(0) == "Menunggu keputusan (2)"
    shown = {model.index(r, 1).data(): [model.index(r, c).data() for c in range(7)]
             for r in range(model.rowCount())}
    assert shown["Alamat"][2:6] == ["Usulan", "35.23", address, "JL. DARI KABUPATEN 1"]
    assert shown["Desil"][2] == "Konflik" and shown["Desil"][6] == "—"
    assert not page.keep_ours.isEnabled()            # nothing chosen yet
    # the address proposal: taken, with a reason typed
    page.queue.selectRow(next(r for r in range(model.rowCount())
                              if model.index(r, 1).data() == "Alamat"))

    def why(dialog: QInputDialog):
        dialog.setTextValue("sesuai KK baru")
        dialog.accept()

    with dialogs(why):
        click(qtbot, page.take_theirs)
    assert model.rowCount() == 1 and page.tabs.tabText(0) == "Menunggu keputusan (1)"
    # the desil conflict: ours kept (the row left is chosen for the next press)
    assert page.queue.selectionModel().selectedRows()
    with dialogs(lambda d: d.accept()):
        click(qtbot, page.keep_ours)
    assert model.rowCount() == 0
    assert "Tidak ada yang menunggu" in page.queue_label.text()
    with village.db.read() as s:
        row = s.get(Household, hid)
        assert (row.address, row.desil) == ("JL. DARI KABUPATEN 1", desil)
    done = {i.field: i for i in village.exchange.queue(actor=KOORDINATOR, open_only=False)}
    assert done["address"].status == "theirs" and done["address"].note == "sesuai KK baru"
    assert done["desil"].status == "ours" and done["desil"].note is None
    assert village.audit.verify().ok


def test_a_cancelled_reason_settles_nothing_and_an_operator_reads_only(qtbot, village):
    _kabupaten_bundle(village)
    win = _window(qtbot, village, KOORDINATOR)
    activate(qtbot, win)
    page = win.pages["exchange"]
    page.queue.selectRow(0)
    with dialogs(lambda d: d.reject()):
        click(qtbot, page.take_theirs)
    assert page.queue_model.rowCount() == 2
    win.close()
    operator = _window(qtbot, village, OPERATOR)
    page = operator.pages["exchange"]
    page.queue.selectRow(0)
    assert not page.keep_ours.isEnabled() and not page.take_theirs.isEnabled()
    assert "koordinator" in page.queue_label.text().lower()
    assert page.tabs.tabText(1) == "Bundel terkirim (0 menunggu)"
