"""User flows in the household form: add a member, fix a bad NIK, history, split,
roles, the unsaved-changes guard."""

from datetime import date

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from puskesos.core.identifiers import make_nik
from puskesos.services import Actor
from puskesos.services.registry import HouseholdFilter
from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_family import MembersModel, SplitDialog
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.member_dialog import MemberDialog

from tests.ui.conftest import answer_modals

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
KADES = Actor("kades", "kepala_desa", "Kepala Desa")


def _a_household(services, min_members=3):
    rows, _ = services.households.search(actor=OPERATOR, limit=300)
    return next(r for r in rows if r.member_count >= min_members and r.head_name)


@pytest.fixture
def form(qtbot, village):
    row = _a_household(village)
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    dialog.show()
    yield dialog
    dialog._saved_state = dialog._state()  # edits left by a test: close without asking
    dialog.close()
    dialog.deleteLater()


def test_add_member_with_bad_nik_then_fix_and_see_history(qtbot, form, village):
    before = len(form.members)
    bad = "3523017305100000"  # serial 0000 cannot exist

    def fill_member(dialog: MemberDialog):
        qtbot.keyClicks(dialog.name, "Putri Ayu")
        dialog.sex.set_code("P")
        dialog.birth_date.setText("13-05-2010")
        qtbot.keyClicks(dialog.nik, bad)
        assert "0000" in dialog.nik_message.text()          # shown while typing
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.isVisible() and dialog.message.text()  # refused
        dialog.nik.setText(make_nik(kecamatan_code="35.23.01", birth_date=date(2010, 5, 13),
                                    sex="P", serial=4321))
        assert dialog.nik_message.text() == ""
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    answer_modals(fill_member)
    form.tabs.setCurrentIndex(1)
    form.add_member()
    assert len(form.members) == before + 1
    assert form.is_dirty()
    assert form.save()
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert "PUTRI AYU" in [m.name for m in stored.members]
    history = [form.history_list.item(i).text() for i in range(form.history_list.count())]
    assert any("PUTRI AYU" in line and "ditambahkan" in line for line in history)
    assert not form.is_dirty()


def test_errors_block_saving_and_are_shown(qtbot, form, village):
    form.rt.setText("A7")
    assert "RT" in form.problems_label.text()
    assert not form.save()
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert stored.data.rt != "A7"


def test_warning_needs_a_reason_then_saves(qtbot, form, village):
    form.no_kk.setText("")  # no KK: a warning only
    answer_modals(lambda d: (d.setTextValue("KK hilang, sedang diurus"), d.accept()))
    assert form.save()
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert stored.data.no_kk is None


def test_mark_a_member_died(qtbot, form, village):
    form.tabs.setCurrentIndex(1)
    form.members_view.selectRow(len(form.members) - 1)
    answer_modals(lambda d: (d.setTextValue(d.comboBoxItems()[0]), d.accept()),
                  lambda d: (d.setTextValue("01-02-2026"), d.accept()),
                  lambda d: (d.setTextValue("Akta kematian 123/2026"), d.accept()))
    form.mark_gone()
    assert form.members[-1].presence == "2"
    assert form.members[-1].presence_date == date(2026, 2, 1)
    assert form.members[-1].presence_note == "Akta kematian 123/2026"
    assert form.save()


def test_split_family_through_the_form(qtbot, form, village):
    total_before = village.households.counts(actor=OPERATOR).households
    child = form.members[-1]

    def choose(dialog: SplitDialog):
        for member, check, combo in dialog.rows:
            if member.id == child.id:
                check.setChecked(True)
                combo.set_code("1")
        dialog.reason.setText("pecah KK")
        dialog.accept()

    answer_modals(choose, lambda box: box.accept())
    form.split_family()
    assert village.households.counts(actor=OPERATOR).households == total_before + 1
    assert child.id not in [m.id for m in form.members]
    rows, _ = village.households.search(actor=OPERATOR,
                                        filter=HouseholdFilter(text=child.nik or child.name))
    assert any(r.head_name == child.name for r in rows)


def test_kepala_desa_cannot_edit(qtbot, village):
    row = _a_household(village)
    dialog = HouseholdDialog(village, KADES, ChangeBus(), row.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.save_button.isVisible()
    assert not dialog.address.isEnabled()
    assert all(not b.isVisible() for b in dialog.member_buttons)
    assert dialog.readonly_note.isVisible()
    assert not dialog.save()


def test_closing_with_unsaved_changes_asks_first(qtbot, form, village):
    form.address.setText("JL. BARU 1")
    answer_modals(lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    form.close()
    assert form.isVisible()
    answer_modals(lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    form.close()
    assert not form.isVisible()
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert stored.data.address != "JL. BARU 1"


def test_new_household_without_head_is_refused(qtbot, village):
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), None)
    dialog.show()
    dialog.address.setText("JL. KENANGA")
    assert not dialog.save()
    assert dialog.problems_label.isVisible()
    dialog._saved_state = dialog._state()
    dialog.close()


def test_members_model_passes_qt_model_tester(qtmodeltester, form):
    model = MembersModel()
    model.set_members(form.members, {})
    qtmodeltester.check(model)


def test_saving_keeps_fields_the_operator_did_not_touch(qtbot, form, village):
    # Given a household with a GPS position stored
    dto = village.households.get(actor=OPERATOR, household_id=form.household_id)
    from dataclasses import replace
    village.households.save(actor=OPERATOR, household=replace(dto.data, latitude=-6.8123,
                                                              longitude=111.9456),
                            members=[m.as_input() for m in dto.members if not m.removed],
                            household_id=dto.id, expected_version=dto.version,
                            accept_warnings="uji")
    form.load()
    # When the operator changes only the address and saves
    form.address.setText("JL. SAWO 4")
    assert form.save()
    # Then the position is still there
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert (stored.data.latitude, stored.data.longitude) == (-6.8123, 111.9456)
    assert stored.data.address == "JL. SAWO 4"


def test_untouched_numbers_keep_their_exact_value_and_bad_positions_are_refused(qtbot, form,
                                                                                   village):
    dto = village.households.get(actor=OPERATOR, household_id=form.household_id)
    from dataclasses import replace
    village.households.save(actor=OPERATOR, household=replace(
        dto.data, floor_area=36.1234567, latitude=-6.91234567, longitude=111.95),
        members=[m.as_input() for m in dto.members if not m.removed], household_id=dto.id,
        expected_version=dto.version, accept_warnings="uji")
    form.load()
    form.phone.setText("081299990000")
    assert form.save()
    stored = village.households.get(actor=OPERATOR, household_id=form.household_id)
    assert (stored.data.floor_area, stored.data.latitude) == (36.1234567, -6.91234567)
    form.latitude.setText("-6,9123 S")
    assert not form.save()
    assert village.households.get(actor=OPERATOR,
                                  household_id=form.household_id).data.latitude == -6.91234567


# ------------------------------------------------- a new form is not a mistake yet
def _red_fields(dialog) -> list[str]:
    return [w.objectName() or type(w).__name__ for w in
            (dialog.no_kk, dialog.rt, dialog.rw, dialog.floor_area, dialog.latitude,
             dialog.longitude) if "b00020" in w.styleSheet()]


def test_a_new_household_form_shows_no_error_before_the_user_types(qtbot, village):
    """Opening "Keluarga baru" shows an empty form, not a red list of what is missing;
    the problems appear once a field is edited."""
    from PySide6.QtCore import Qt
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.problems_label.isVisible(), dialog.problems_label.text()
    assert not _red_fields(dialog)
    qtbot.keyClicks(dialog.rt, "1x")
    qtbot.keyClick(dialog.rt, Qt.Key.Key_Tab)
    assert dialog.problems_label.isVisible()
    assert "Anggota" in dialog.problems_label.text(), dialog.problems_label.text()
    assert _red_fields(dialog)
    dialog._saved_state = dialog._state()
    dialog.close()


def test_save_on_an_untouched_new_form_says_what_is_missing(qtbot, village):
    from PySide6.QtCore import Qt
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.problems_label.isVisible()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.problems_label.isVisible() and dialog.problems_label.text()
    assert dialog.household_id is None
    dialog._saved_state = dialog._state()
    dialog.close()


# ------------------------------------------------------------------ programs tab
def test_an_empty_programs_tab_says_there_are_none_and_how_to_add_one(qtbot, village):
    from PySide6.QtCore import Qt
    rows, _ = village.households.search(actor=OPERATOR, limit=300)
    row = next(r for r in rows if not r.programs)
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert dialog.tabs.currentIndex() == 2
    from PySide6.QtWidgets import QLabel, QListWidget
    page = dialog.tabs.currentWidget()
    said = [label.text() for label in page.findChildren(QLabel) if label.isVisible()]
    assert any("belum" in t and "Impor" in t and "BNBA" in t for t in said), said
    # no blank list under the message
    assert not [w for w in [page, *page.findChildren(QListWidget)]
                if isinstance(w, QListWidget) and w.isVisible()]
    dialog.close()


def test_a_programs_tab_with_programs_lists_them(qtbot, village):
    from PySide6.QtCore import Qt
    rows, _ = village.households.search(actor=OPERATOR, limit=300)
    row = next(r for r in rows if r.programs)
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert dialog.programs_list.isVisible() and dialog.programs_list.count()
    assert not dialog.programs_empty.isVisible()
    dialog.close()


def test_the_history_of_a_demo_household_reads_in_indonesian(qtbot, village):
    """The demo data's reason is shown in the window's language ("data contoh"), not
    as the English words it was once stored in."""
    from PySide6.QtCore import Qt
    rows, _ = village.households.search(actor=OPERATOR, limit=5)
    admin = Actor("admin", "admin", "Administrator Desa")
    dialog = HouseholdDialog(village, admin, ChangeBus(), rows[0].id)
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(3).center())
    history = dialog.history_list
    assert history.isVisible() and history.count()
    lines = [history.item(i).text() for i in range(history.count())]
    assert any("alasan: data contoh (seri 7)" in line for line in lines), lines
    assert not any("demo data" in line or "seed" in line for line in lines), lines
    dialog.close()


def test_a_program_entered_by_hand_and_ended_with_why(qtbot, village):
    """Issue 17 point 1: a recipient entered by hand — the family of a desil-1
    household receiving nothing gets BLT DD; its "uncovered extreme poor" flag goes;
    the program ended with why is shown as stopped, and the flag is back."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QInputDialog

    from puskesos.ui.household_programs import GrantDialog
    from tests.ui.conftest import click, dialogs
    flag = next(f for f in village.targeting.flags(actor=OPERATOR)
                if f.kind == "uncovered_extreme")
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), flag.household_id)
    qtbot.addWidget(dialog)
    dialog.show()
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    box = dialog.programs_box
    assert box.empty.isVisible() and not box.end_button.isEnabled()

    def grant(d: GrantDialog):
        d.program.setCurrentIndex(d.program.findData("BLT_DD"))
        d.period.setText("")
        click(qtbot, d.box.button(d.box.StandardButton.Save))
        assert d.isVisible() and d.message.text()        # a period is needed
        d.period.setText("2026")
        click(qtbot, d.box.button(d.box.StandardButton.Save))

    with dialogs(grant):
        click(qtbot, box.add_button)
    assert box.list.count() == 1 and "BLT Dana Desa · 2026 · Aktif" in box.list.item(0).text()
    assert flag.key not in {f.key for f in village.targeting.flags(actor=OPERATOR)}
    box.list.setCurrentRow(0)

    def why(d: QInputDialog):
        d.setTextValue("Sudah menerima PKH mulai bulan ini")
        d.accept()

    with dialogs(why):
        click(qtbot, box.end_button)
    assert "Berhenti" in box.list.item(0).text() and not box.end_button.isEnabled()
    assert flag.key in {f.key for f in village.targeting.flags(actor=OPERATOR)}
    dialog.close()
