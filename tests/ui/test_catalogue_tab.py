"""Program & Sasaran's catalogue tab (issue 17 point 1), pressed through the real
widgets: a philanthropy program added, a program's desil ceiling changed (its
flags follow), a kind of flag switched off in the rules (gone from the flags tab)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from puskesos.services import Actor
from puskesos.ui.catalogue_view import ProgramDialog, RulesDialog
from puskesos.ui.main_window import MainWindow
from tests.ui.conftest import activate, click, dialogs, settled

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
OPERATOR = Actor("operator", "operator", "Operator")


def _window(qtbot, village, actor):
    win = MainWindow(village, actor, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1024, 740)
    activate(qtbot, win)
    win.show_module("programs")
    page = win.pages["programs"]
    settled(qtbot, page)
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.tabRect(page.tabs.indexOf(page.catalogue)).center())
    return page


def test_programs_added_and_changed_and_rules_set_in_the_window(qtbot, village):
    page = _window(qtbot, village, KOORDINATOR)
    view = page.catalogue
    before = view.model.rowCount()

    def add(dialog: ProgramDialog):
        qtbot.keyClicks(dialog.code, "zakat_desa")
        dialog.source.setCurrentIndex(dialog.source.findData("nonpemerintah"))
        dialog.kind.setCurrentIndex(dialog.kind.findData("pendapatan"))
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))
        assert dialog.isVisible() and dialog.message.text()     # no name: told, kept open
        qtbot.keyClicks(dialog.name, "Modal usaha zakat desa")
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))
        assert not dialog.isVisible()

    with dialogs(add):
        click(qtbot, view.add_button)
    settled(qtbot, page)
    assert view.model.rowCount() == before + 1
    added = {p.code: p for p in village.targeting.catalogue(actor=KOORDINATOR)}["ZAKAT_DESA"]
    assert (added.source, added.kind, added.desil_ceiling) == ("nonpemerintah", "pendapatan", 4)
    # PKH's ceiling raised to 10: its "above the ceiling" flags go
    above = [f for f in page.flags if f.kind == "desil_above_threshold"
             and f.program_code == "PKH"]
    assert above
    view.table.selectRow(next(r for r in range(view.model.rowCount())
                              if view.model.row_at(r).code == "PKH"))

    def ceiling(dialog: ProgramDialog):
        assert dialog.code.isReadOnly() and dialog.code.text() == "PKH"
        dialog.ceiling.setValue(10)
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))

    with dialogs(ceiling):
        click(qtbot, view.change_button)
    settled(qtbot, page)
    assert not [f for f in page.flags if f.kind == "desil_above_threshold"
                and f.program_code == "PKH"]
    # a kind of flag switched off; a pair naming an unknown program is refused
    assert any(f.kind == "double_aid" for f in page.flags)

    def rules(dialog: RulesDialog):
        dialog.pairs.setText("BLT_DD+NGAWUR")
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))
        assert dialog.isVisible() and "NGAWUR" in dialog.message.text()
        dialog.pairs.setText("BLT_DD+PKH, BLT_DD+BPNT")
        dialog.kinds["double_aid"].setChecked(False)
        click(qtbot, dialog.box.button(dialog.box.StandardButton.Save))

    with dialogs(rules):
        click(qtbot, view.rules_button)
    settled(qtbot, page)
    assert not any(f.kind == "double_aid" for f in page.flags)
    assert "double_aid" in village.targeting.rules(actor=KOORDINATOR).off


def test_an_operator_reads_the_catalogue_but_does_not_change_it(qtbot, village):
    page = _window(qtbot, village, OPERATOR)
    view = page.catalogue
    assert view.model.rowCount() > 10
    assert not view.add_button.isEnabled() and not view.rules_button.isEnabled()
    assert not view.change_button.isEnabled()
