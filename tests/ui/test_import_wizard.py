"""The import wizard as an operator uses it: file, columns, preview, import, undo."""

from PySide6.QtWidgets import QMessageBox

from puskesos.services import Actor
from puskesos.ui.bus import ChangeBus
from puskesos.ui.import_wizard import ImportWizard

from tests.db.test_excel_import import PEOPLE, write_xlsx
from tests.ui.conftest import answer_modals

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


def test_preview_then_import_then_undo(qtbot, village, tmp_path):
    before = village.households.counts(actor=OPERATOR)
    path = write_xlsx(tmp_path / "dtsen.xlsx", PEOPLE)
    wizard = ImportWizard(village, OPERATOR, ChangeBus())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_edit.setText(str(path))
    wizard.next()
    assert wizard.pages.currentIndex() == 1
    assert "4" in wizard.header_label.text()  # the header is on row 4, under the titles
    mapped = {c.currentData() for c in wizard.mapping_combos}
    assert {"nik", "name", "no_kk", "birth_date"} <= mapped
    wizard.next()  # preview runs in the background
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=15000)
    assert "4 baru" in wizard.counts_label.text()
    assert village.households.counts(actor=OPERATOR) == before  # nothing written yet
    answer_modals(lambda box: box.accept())
    wizard.next()  # import now
    qtbot.waitUntil(lambda: wizard.result_report is not None, timeout=15000)
    after = village.households.counts(actor=OPERATOR)
    assert after.members == before.members + 4
    answer_modals(lambda box: box.button(QMessageBox.StandardButton.Yes).click(),
                  lambda box: box.accept())
    wizard.undo_last()       # runs in the background too
    qtbot.waitUntil(lambda: village.households.counts(actor=OPERATOR) == before,
                    timeout=15000)
    qtbot.waitUntil(lambda: not wizard.job.running, timeout=15000)


def test_a_broken_file_gives_a_message_not_a_crash(qtbot, village, tmp_path):
    bad = tmp_path / "rusak.xlsx"
    bad.write_text("bukan lembar kerja")
    wizard = ImportWizard(village, OPERATOR, ChangeBus())
    qtbot.addWidget(wizard)
    wizard.file_edit.setText(str(bad))
    wizard.next()
    assert wizard.pages.currentIndex() == 0
    assert wizard.message.text()
