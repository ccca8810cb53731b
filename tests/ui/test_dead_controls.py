"""No dead controls: every button and menu action the user can press is wired to
something.  A Save button whose signal was never connected looks fine and does
nothing; this finds it on every screen built here, including screens added later
to the main window (its pages and menus are walked, not listed)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import SIGNAL, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QButtonGroup, QCalendarWidget,
                               QCheckBox, QComboBox, QDialogButtonBox, QLineEdit, QRadioButton,
                               QScrollBar, QTabBar, QToolButton, QWidget)

from puskesos.core.codes import Role
from puskesos.services import Actor
from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.import_wizard import ImportWizard
from puskesos.ui.letter_register import LetterRegisterDialog
from puskesos.ui.main_window import MainWindow
from puskesos.ui.member_dialog import MemberDialog

ROLES = {role.value: Actor(role.value, role.value, role.name.title()) for role in Role}
# Qt's own parts of composite widgets (scroll arrows, a combo's list, a date editor)
INTERNAL = (QAbstractSpinBox, QCalendarWidget, QComboBox, QLineEdit, QScrollBar, QTabBar)


def _connected(obj, *signals: str) -> bool:
    return any(obj.receivers(SIGNAL(signal)) > 0 for signal in signals)


def _inside(widget: QWidget, kinds) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parentWidget()
    return False


def dead_controls(root: QWidget) -> list[str]:
    """Enabled buttons and actions that nothing listens to."""
    dead = []
    for button in root.findChildren(QAbstractButton):
        if not button.isEnabled() or _inside(button, INTERNAL) or isinstance(button.parent(), INTERNAL):
            continue
        if isinstance(button.parent(), QDialogButtonBox) or _inside(button, QDialogButtonBox):
            continue  # the box turns the press into accepted/rejected (checked on the box)
        if isinstance(button, (QCheckBox, QRadioButton)) or button.isCheckable():
            continue  # a state that is read when something else is pressed
        if isinstance(button, QToolButton) and (button.defaultAction() or button.menu()):
            continue
        if any(button in group.buttons() for group in root.findChildren(QButtonGroup)):
            continue
        if not _connected(button, "clicked()", "clicked(bool)", "pressed()", "released()"):
            dead.append(f"button {button.text()!r} ({button.objectName() or type(button).__name__}"
                        f" in {type(button.window()).__name__})")
    for box in root.findChildren(QDialogButtonBox):
        if box.buttons() and not _connected(box, "accepted()", "rejected()",
                                            "clicked(QAbstractButton*)"):
            dead.append(f"button box {[b.text() for b in box.buttons()]} "
                        f"in {type(box.window()).__name__}")
    for action in root.findChildren(QAction):
        if not action.isEnabled() or action.isSeparator() or action.menu() is not None \
                or not action.text() or action.isCheckable() and action.actionGroup():
            continue
        if not _connected(action, "triggered()", "triggered(bool)", "toggled(bool)"):
            dead.append(f"action {action.text()!r} in {type(action.parent()).__name__}")
    return dead


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_control_of_the_main_window_is_wired(qtbot, village, role):
    window = MainWindow(village, ROLES[role], idle_minutes=0)
    qtbot.addWidget(window)
    window.show()
    opened = []
    for row in range(window.nav.count()):
        item = window.nav.item(row)
        if not item.flags() & Qt.ItemFlag.ItemIsEnabled or item.isHidden():
            continue
        window.nav.setCurrentRow(row)  # pages are built when first opened
        opened.append(window.stack.currentWidget())
        assert dead_controls(window) == [], item.text()
    assert len(set(map(id, opened))) >= 2, "at least two pages were opened and checked"
    assert len(window.findChildren(QAbstractButton)) > 10


def test_every_control_of_the_household_form_is_wired(qtbot, village):
    rows, _ = village.households.search(actor=ROLES["operator"], limit=5)
    for household_id in (rows[0].id, None):  # an existing household, and a new one
        dialog = HouseholdDialog(village, ROLES["operator"], ChangeBus(), household_id)
        qtbot.addWidget(dialog)
        dialog.show()
        for index in range(dialog.tabs.count()):
            dialog.tabs.setCurrentIndex(index)
            assert dead_controls(dialog) == [], f"tab {dialog.tabs.tabText(index)}"
        dialog._saved_state = dialog._state()
        dialog.close()


def test_every_control_of_the_import_wizard_and_other_dialogs_is_wired(qtbot, village):
    operator = ROLES["operator"]
    for dialog in (ImportWizard(village, operator, ChangeBus()), MemberDialog(),
                   LetterRegisterDialog(village, ROLES["admin"])):
        qtbot.addWidget(dialog)
        dialog.show()
        assert dead_controls(dialog) == [], type(dialog).__name__


def test_the_check_finds_a_button_nobody_listens_to(qtbot, village):
    """The check itself: a Save button disconnected from its slot is reported."""
    rows, _ = village.households.search(actor=ROLES["operator"], limit=1)
    dialog = HouseholdDialog(village, ROLES["operator"], ChangeBus(), rows[0].id)
    qtbot.addWidget(dialog)
    buttons = [b for b in dialog.findChildren(QAbstractButton)
               if b.isEnabled() and not b.isCheckable() and b.receivers(SIGNAL("clicked()")) > 0
               and not _inside(b, QDialogButtonBox) and not _inside(b, INTERNAL)]
    assert buttons, "the household form has plain buttons to check"
    victim = buttons[0]
    victim.clicked.disconnect()
    assert any(repr(victim.text()) in line for line in dead_controls(dialog))
    dialog._saved_state = dialog._state()
