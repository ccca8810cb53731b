"""The household form driven through its real buttons and shortcuts.

Every test presses a button with the mouse (or its keyboard shortcut) and checks
what the operator then sees: the stored household, the members table, the
history list, the dialog closing.  A button whose ``clicked`` is not connected,
or whose slot does nothing, fails here (the other form tests call the methods).
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QInputDialog, QLabel,
                               QMessageBox, QPushButton)

from puskesos.core import codes
from puskesos.core.identifiers import make_nik
from puskesos.services import Actor
from puskesos.services.registry import HouseholdFilter
from puskesos.ui.bus import ChangeBus
from puskesos.ui.household_family import HouseholdPicker, SplitDialog
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.member_dialog import MemberDialog
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import activate, click, dialogs

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")
LEFT = Qt.MouseButton.LeftButton

NAME, NIK, SEX, BORN, RELATIONSHIP, PRESENCE = range(6)  # members table columns


# ------------------------------------------------------------------ helpers
def table(form: HouseholdDialog) -> list[tuple[str, ...]]:
    """The members table as the operator reads it."""
    model = form.members_view.model()
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def history(form: HouseholdDialog) -> list[str]:
    return [form.history_list.item(i).text() for i in range(form.history_list.count())]


def stored(village, household_id):
    return village.households.get(actor=OPERATOR, household_id=household_id)


def button(form: HouseholdDialog, text: str) -> QPushButton:
    return next(b for b in form.member_buttons if b.text().startswith(text))


def ok(dialog) -> QPushButton:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def text_answer(value: str):
    def answer(dialog: QInputDialog):
        assert isinstance(dialog, QInputDialog), dialog.windowTitle()
        dialog.setTextValue(value)
        dialog.accept()
    return answer


def a_household(village, min_members=3, skip=()):
    rows, _ = village.households.search(actor=OPERATOR, limit=300)
    return next(r for r in rows if r.member_count >= min_members and r.head_name
                and r.id not in skip)


def select_member(form: HouseholdDialog, row: int) -> None:
    form.tabs.setCurrentIndex(1)
    form.members_view.selectRow(row)


@pytest.fixture
def form(qtbot, village):
    row = a_household(village)
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), row.id)
    activate(qtbot, dialog)
    yield dialog
    dialog._saved_state = dialog._state()  # edits left by a test: close without asking
    dialog.close()
    dialog.deleteLater()


# ------------------------------------------------------------------ Save
def test_save_button_stores_an_edited_field(qtbot, form, village):
    lines_before = len(history(form))
    form.address.selectAll()
    qtbot.keyClicks(form.address, "JL. CEMPAKA 7")
    assert form.is_dirty()
    click(qtbot, form.save_button)
    assert stored(village, form.household_id).data.address == "JL. CEMPAKA 7"
    assert form.address.text() == "JL. CEMPAKA 7"     # the form read it back
    assert not form.is_dirty()
    assert not form.problems_label.isVisible()
    lines = history(form)
    assert len(lines) > lines_before
    assert any("JL. CEMPAKA 7" in line and "operator" in line for line in lines)


def test_ctrl_s_saves(qtbot, form, village):
    form.phone.setFocus()
    form.phone.selectAll()
    qtbot.keyClicks(form.phone, "081234567890")
    qtbot.keyClick(form.phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert stored(village, form.household_id).data.phone == "081234567890"
    assert not form.is_dirty()
    assert any("081234567890" in line for line in history(form))


def test_save_button_says_the_household_was_saved(qtbot, form, village):
    form.address.setText("JL. CEMPAKA 8")
    click(qtbot, form.save_button)
    assert stored(village, form.household_id).data.address == "JL. CEMPAKA 8"
    visible = [w.text() for w in form.findChildren(QLabel) if w.isVisible()]
    assert any("simpan" in t.lower() for t in visible + [form.windowTitle()])


def test_saving_an_address_change_adds_only_that_change_to_the_history(qtbot, form, village):
    before = history(form)
    form.address.setText("JL. CEMPAKA 9")
    click(qtbot, form.save_button)
    assert stored(village, form.household_id).data.address == "JL. CEMPAKA 9"
    new = history(form)[:len(history(form)) - len(before)]
    assert len(new) == 1 and "JL. CEMPAKA 9" in new[0], new


def test_save_button_with_an_error_stores_nothing_and_shows_why(qtbot, form, village):
    old_rt = stored(village, form.household_id).data.rt
    form.rt.selectAll()
    qtbot.keyClicks(form.rt, "A7")
    click(qtbot, form.save_button)
    assert form.problems_label.isVisible() and "RT" in form.problems_label.text()
    assert stored(village, form.household_id).data.rt == old_rt
    assert form.is_dirty()


def test_save_button_asks_a_reason_for_a_warning(qtbot, form, village):
    form.no_kk.clear()  # no KK: a warning only
    with dialogs(text_answer("KK hilang, sedang diurus")):
        click(qtbot, form.save_button)
    assert stored(village, form.household_id).data.no_kk is None
    assert any("KK hilang, sedang diurus" in line for line in history(form))


# ------------------------------------------------------------------ members
def new_member(name: str, serial: int):
    born = date(2010, 5, 13)

    def fill(dialog: MemberDialog):
        assert isinstance(dialog, MemberDialog)
        dialog.name.setText(name)
        dialog.sex.set_code("P")
        dialog.birth_date.setText(born.strftime("%d-%m-%Y"))
        dialog.nik.setText(make_nik(kecamatan_code="35.23.01", birth_date=born, sex="P",
                                    serial=serial))
        dialog.relationship.set_code(codes.Relationship.ANAK.value)
        ok(dialog).click()
    return fill


def test_add_member_button_shows_the_new_row_and_save_stores_it(qtbot, form, village):
    rows_before = len(table(form))
    form.tabs.setCurrentIndex(1)
    with dialogs(new_member("Putri Ayu", 4321)) as opened:
        click(qtbot, button(form, "Tambah anggota"))
    assert opened[0].windowTitle() == "Anggota baru"
    rows = table(form)
    assert len(rows) == rows_before + 1
    assert rows[-1][NAME] == "Putri Ayu" and rows[-1][SEX] == "P"
    assert rows[-1][BORN] == "13-05-2010"
    assert form.members_view.selectionModel().selectedRows()[0].row() == rows_before
    click(qtbot, form.save_button)
    assert "PUTRI AYU" in [m.name for m in stored(village, form.household_id).members]
    assert any("PUTRI AYU" in line and "ditambahkan" in line for line in history(form))


def test_insert_key_adds_a_member(qtbot, form):
    rows_before = len(table(form))
    form.tabs.setCurrentIndex(1)
    form.members_view.setFocus()
    with dialogs(new_member("Dewi Lestari", 4322)):
        qtbot.keyClick(form.members_view, Qt.Key.Key_Insert)
    assert [r[NAME] for r in table(form)][-1] == "Dewi Lestari"
    assert len(table(form)) == rows_before + 1


def test_cancel_in_the_new_member_dialog_adds_nothing(qtbot, form):
    rows_before = table(form)
    form.tabs.setCurrentIndex(1)
    with dialogs(lambda d: d.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Cancel).click()):
        click(qtbot, button(form, "Tambah anggota"))
    assert table(form) == rows_before
    assert not form.is_dirty()


def rename(new_name: str, seen: list):
    def edit(dialog: MemberDialog):
        assert isinstance(dialog, MemberDialog)
        seen.append(dialog.name.text())
        dialog.name.setText(new_name)
        ok(dialog).click()
    return edit


def test_edit_button_changes_the_selected_member(qtbot, form, village):
    row = len(form.members) - 1
    old = table(form)[row][NAME]
    select_member(form, row)
    seen = []
    with dialogs(rename("Budi Santoso Baru", seen)):
        click(qtbot, button(form, "Ubah"))
    assert seen == [old]                              # the selected member was opened
    assert table(form)[row][NAME] == "Budi Santoso Baru"
    click(qtbot, form.save_button)
    names = [m.name for m in stored(village, form.household_id).members if not m.removed]
    assert "BUDI SANTOSO BARU" in names and old not in names


def test_double_click_on_a_member_opens_it(qtbot, form):
    form.tabs.setCurrentIndex(1)
    view = form.members_view
    rect = view.visualRect(view.model().index(0, NAME))
    seen = []
    with dialogs(rename("Nama Dari Klik Ganda", seen)):
        qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), LEFT, pos=rect.center())
    assert table(form)[0][NAME] == "Nama Dari Klik Ganda"


def test_return_key_edits_the_selected_member(qtbot, form):
    select_member(form, 0)
    form.members_view.setFocus()
    titles = []

    def look(dialog):
        titles.append((dialog.windowTitle(), getattr(dialog, "name", None) and
                       dialog.name.text()))
        dialog.reject()

    with dialogs(look):
        qtbot.keyClick(form.members_view, Qt.Key.Key_Return)
    assert titles == [("Anggota keluarga", form.members[0].name)]


def test_edit_button_without_a_selection_does_nothing(qtbot, form):
    form.tabs.setCurrentIndex(1)
    form.members_view.clearSelection()
    before = table(form)
    click(qtbot, button(form, "Ubah"))
    assert QApplication.activeModalWidget() is None
    assert table(form) == before


def test_died_button_marks_the_member_and_save_stores_it(qtbot, form, village):
    row = len(form.members) - 1
    member = form.members[row]
    select_member(form, row)
    with dialogs(text_answer(codes.Presence.MENINGGAL.label),
                 text_answer("01-02-2026"), text_answer("Akta kematian 123/2026")):
        click(qtbot, button(form, "Meninggal / pindah"))
    assert table(form)[row][PRESENCE] == codes.Presence.MENINGGAL.label
    click(qtbot, form.save_button)
    again = next(m for m in stored(village, form.household_id).members if m.id == member.id)
    assert (again.presence, again.presence_date, again.presence_note) == \
        ("2", date(2026, 2, 1), "Akta kematian 123/2026")


def test_died_button_refuses_a_bad_date(qtbot, form):
    row = len(form.members) - 1
    select_member(form, row)
    told = []
    with dialogs(text_answer(codes.Presence.PINDAH.label), text_answer("31-31-2026"),
                 lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, button(form, "Meninggal / pindah"))
    assert "31-31-2026" in told[0]
    assert table(form)[row][PRESENCE] == codes.Presence.TINGGAL.label
    assert not form.is_dirty()


def pick(query: str):
    def choose(picker: HouseholdPicker):
        assert isinstance(picker, HouseholdPicker)
        picker.search.setText(query)
        assert picker.results.count() >= 1
        ok(picker).click()
    return choose


def move_last_member(qtbot, form, village):
    target = stored(village, a_household(village, 2, skip={form.household_id}).id)
    row = len(form.members) - 1
    member = form.members[row]
    select_member(form, row)
    with dialogs(pick(target.data.no_kk), text_answer(codes.Relationship.LAINNYA.label),
                 text_answer("ikut saudara")):
        click(qtbot, button(form, "Pindahkan"))
    return member, target


def test_move_button_moves_the_member_to_the_chosen_household(qtbot, form, village):
    member, target = move_last_member(qtbot, form, village)
    assert member.name not in [r[NAME] for r in table(form)]
    assert member.id in [m.id for m in stored(village, target.id).members if not m.removed]


def test_move_button_leaves_a_line_in_the_history(qtbot, form, village):
    member, _target = move_last_member(qtbot, form, village)
    assert f"{member.name} pindah ke keluarga lain" in "\n".join(history(form))


def test_move_button_cancelled_in_the_picker_changes_nothing(qtbot, form, village):
    before = table(form)
    select_member(form, 0)
    with dialogs(lambda picker: picker.reject()):
        click(qtbot, button(form, "Pindahkan"))
    assert table(form) == before


def test_split_button_makes_a_new_family(qtbot, form, village):
    total_before = village.households.counts(actor=OPERATOR).households
    child = form.members[-1]
    told = []

    def choose(dialog: SplitDialog):
        assert isinstance(dialog, SplitDialog)
        for member, check, combo in dialog.rows:
            if member.id == child.id:
                check.setChecked(True)
                combo.set_code(codes.Relationship.KEPALA.value)
        dialog.reason.setText("pecah KK")
        ok(dialog).click()

    form.tabs.setCurrentIndex(1)
    with dialogs(choose, lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, button(form, "Pecah KK"))
    assert child.name in told[0]
    assert child.name not in [r[NAME] for r in table(form)]
    assert village.households.counts(actor=OPERATOR).households == total_before + 1
    rows, _ = village.households.search(actor=OPERATOR,
                                        filter=HouseholdFilter(text=child.nik or child.name))
    assert any(r.head_name == child.name for r in rows)


def test_split_refused_keeps_the_dialog_open_with_the_reason(qtbot, form, village):
    total_before = village.households.counts(actor=OPERATOR).households
    messages = []

    def nobody_chosen(dialog: SplitDialog):
        ok(dialog).click()              # nobody ticked: refused, the dialog comes back

        def look(tries=[0]):
            tries[0] += 1
            if not dialog.isVisible() and tries[0] < 100:
                QTimer.singleShot(20, look)
                return
            messages.append(dialog.message.text() if dialog.message.isVisible() else "")
            dialog.reject()

        QTimer.singleShot(0, look)

    form.tabs.setCurrentIndex(1)
    with dialogs(nobody_chosen):
        click(qtbot, button(form, "Pecah KK"))
    assert messages and messages[0]
    assert village.households.counts(actor=OPERATOR).households == total_before


def test_merge_button_brings_the_other_family_in(qtbot, form, village):
    source = stored(village, a_household(village, 2, skip={form.household_id}).id)
    moving = [m.name for m in source.members if not m.removed]
    rows_before = len(table(form))
    form.tabs.setCurrentIndex(1)
    with dialogs(pick(source.data.no_kk), text_answer("satu rumah")):
        click(qtbot, button(form, "Gabungkan"))
    names = [r[NAME] for r in table(form)]
    assert len(names) == rows_before + len(moving)
    assert set(moving) <= set(names)
    rows, _ = village.households.search(actor=OPERATOR,
                                        filter=HouseholdFilter(text=source.data.no_kk))
    assert source.id not in [r.id for r in rows]  # the other household is gone


def test_remove_button_removes_the_member_after_a_reason(qtbot, form, village):
    row = len(form.members) - 1
    member = form.members[row]
    select_member(form, row)
    with dialogs(text_answer("salah input")):
        click(qtbot, button(form, "Hapus"))
    assert member.name not in [r[NAME] for r in table(form)]
    again = next(m for m in stored(village, form.household_id).members if m.id == member.id)
    assert again.removed
    assert any(member.name in line and "salah input" in line for line in history(form))


def test_remove_button_without_a_reason_is_refused(qtbot, form, village):
    before = table(form)
    select_member(form, 0)
    told = []
    with dialogs(text_answer("  "), lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, button(form, "Hapus"))
    assert told and "alasan" in told[0].lower()
    assert table(form) == before


def test_family_change_with_unsaved_edits_saves_them_first(qtbot, form, village):
    form.address.setText("JL. DAHLIA 3")
    row = len(form.members) - 1
    member = form.members[row]
    select_member(form, row)
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Yes).click(),
                 text_answer("salah input")):
        click(qtbot, button(form, "Hapus"))
    after = stored(village, form.household_id)
    assert after.data.address == "JL. DAHLIA 3"
    assert next(m for m in after.members if m.id == member.id).removed


# ------------------------------------------------------------------ SKTM
def test_print_sktm_without_a_member_says_to_choose_one(qtbot, form):
    form.tabs.setCurrentIndex(1)
    form.members_view.clearSelection()
    told = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, button(form, "Cetak SKTM"))
    assert told == ["Pilih anggota di daftar."]


def test_print_sktm_button_asks_the_purpose_and_shows_the_letter(qtbot, form, village):
    select_member(form, 0)
    name = form.members[0].name
    asked = []

    def purpose(dialog):
        asked.append(type(dialog).__name__)
        if isinstance(dialog, QInputDialog):
            dialog.setTextValue("keringanan biaya sekolah")
            dialog.accept()
        else:
            dialog.reject()

    with dialogs(purpose):
        click(qtbot, button(form, "Cetak SKTM"))
    assert asked == ["QInputDialog"]
    preview = form.preview
    try:
        text = pages_text(preview.document.pdf)[0]
        assert name in text and "keringanan biaya sekolah" in text
    finally:
        preview.reject()
        preview.deleteLater()


# ------------------------------------------------------------------ closing
def test_close_button_closes_an_unchanged_form(qtbot, form):
    click(qtbot, form.close_button)
    assert not form.isVisible()
    assert form.result() == QDialog.DialogCode.Rejected


def test_close_button_with_unsaved_changes_cancel_then_discard(qtbot, form, village):
    old = stored(village, form.household_id).data.address
    form.address.setText("JL. BARU 1")
    asked = []
    with dialogs(lambda box: (asked.append(box.text()),
                              box.button(QMessageBox.StandardButton.Cancel).click())):
        click(qtbot, form.close_button)
    assert asked == ["Simpan perubahan pada keluarga ini?"]
    assert form.isVisible() and form.address.text() == "JL. BARU 1"
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Discard).click()):
        click(qtbot, form.close_button)
    assert not form.isVisible()
    assert stored(village, form.household_id).data.address == old


def test_close_button_with_unsaved_changes_can_save(qtbot, form, village):
    form.address.setText("JL. BARU 2")
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Save).click()):
        click(qtbot, form.close_button)
    assert not form.isVisible()
    assert stored(village, form.household_id).data.address == "JL. BARU 2"


def test_escape_goes_through_the_unsaved_changes_guard(qtbot, form, village):
    form.address.setText("JL. BARU 3")
    form.address.setFocus()
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Cancel).click()):
        qtbot.keyClick(form.address, Qt.Key.Key_Escape)
    assert form.isVisible()
    activate(qtbot, form)
    form.address.setFocus()
    with dialogs(lambda box: box.button(QMessageBox.StandardButton.Discard).click()):
        qtbot.keyClick(form.address, Qt.Key.Key_Escape)
    assert not form.isVisible()
    assert stored(village, form.household_id).data.address != "JL. BARU 3"


# ------------------------------------------------------------------ new household
def test_new_household_add_head_then_save_button_creates_it(qtbot, village):
    total_before = village.households.counts(actor=OPERATOR).households
    dialog = HouseholdDialog(village, OPERATOR, ChangeBus(), None)
    activate(qtbot, dialog)
    try:
        assert dialog.windowTitle() == "Keluarga baru"
        dialog.address.setText("JL. KENANGA 5")
        click(qtbot, dialog.save_button)            # no head yet: refused
        assert dialog.problems_label.isVisible() and dialog.household_id is None
        born = date(1980, 8, 17)

        def head(member: MemberDialog):
            assert member.relationship.code() == codes.Relationship.KEPALA.value
            member.name.setText("Sugeng Riyadi")
            member.sex.set_code("L")
            member.birth_date.setText("17-08-1980")
            member.nik.setText(make_nik(kecamatan_code="35.23.01", birth_date=born, sex="L",
                                        serial=4323))
            ok(member).click()

        dialog.tabs.setCurrentIndex(1)
        with dialogs(head, text_answer("KK sedang diurus")):
            click(qtbot, button(dialog, "Tambah anggota"))
            click(qtbot, dialog.save_button)
        assert dialog.household_id is not None
        assert dialog.windowTitle() == "Keluarga SUGENG RIYADI"
        assert village.households.counts(actor=OPERATOR).households == total_before + 1
        assert stored(village, dialog.household_id).data.address == "JL. KENANGA 5"
    finally:
        dialog._saved_state = dialog._state()
        dialog.close()
        dialog.deleteLater()


def test_return_in_a_field_of_the_form_opens_no_dialog(qtbot, form):
    """No button of the form is a default button: Return in the address field neither
    adds a member nor saves."""
    form.address.setFocus()
    qtbot.keyClick(form.address, Qt.Key.Key_Return)
    qtbot.wait(100)
    assert QApplication.activeModalWidget() in (None, form) and form.isVisible()


def test_an_asset_change_is_told_in_words_in_the_history(qtbot, form, village):
    """'Aset: Emas … ditambahkan; Sapi 0 → 2', never the stored JSON."""
    gold = next(c for c in codes.Asset if not form.asset_boxes[c.value].isChecked())
    cow = next(iter(codes.Livestock))
    form.asset_boxes[gold.value].setChecked(True)
    form.livestock[cow.value].setValue(form.livestock[cow.value].value() + 2)
    click(qtbot, form.save_button)
    line = next(t for t in history(form) if "Aset" in t)
    assert f"{gold.label} ditambahkan" in line and cow.label in line
    assert "{" not in line and "true" not in line.lower()
