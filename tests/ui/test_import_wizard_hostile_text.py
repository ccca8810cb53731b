"""The import wizard's preview of a file with hostile text (issue 13 point 5): the
rows to check say which field had control or text-direction characters removed,
and a name over its limit refuses its row naming the field and the limit.  The
real wizard, its real buttons."""

from __future__ import annotations

from puskesos.ui.bus import ChangeBus
from puskesos.ui.import_wizard import ImportWizard
from tests.db.test_import_hostile_text import _row, _write
from tests.ui.conftest import click
from tests.ui.test_import_wizard_buttons import (OPERATOR, choose_file_button, open_file,  # noqa: F401
                                                 registry, to_preview)

RLO = "\u202e"


def test_the_preview_names_the_fields_cleaned_and_the_name_refused(qtbot, village, tmp_path,
                                                                   open_file):
    path = _write(tmp_path / "dtsen.xlsx", [
        _row(1, "SRI\u2400WAHYUNI", rel="KEPALA KELUARGA"),
        _row(2, f"BUDI {RLO}SANTOSO"),
        _row(3, "LONGNAME")], long_marker="LONGNAME")
    wizard = ImportWizard(village, OPERATOR, ChangeBus())
    wizard.show()
    qtbot.waitExposed(wizard)
    try:
        before = registry(village)
        open_file(path)
        click(qtbot, choose_file_button(wizard))
        to_preview(qtbot, wizard)
        assert "3 baris: 2 baru" in wizard.counts_label.text()
        issues = [wizard.issues_list.item(i).text() for i in range(wizard.issues_list.count())]
        assert len(issues) == 3, issues
        assert issues[0].startswith("Baris 2: ") and "Nama: karakter kontrol" in issues[0]
        assert issues[1].startswith("Baris 3: ") and "Nama: karakter kontrol" in issues[1]
        assert issues[2].startswith("Baris 4: ")
        assert "Nama berisi 1.000.000 karakter; paling banyak 120 karakter" in issues[2]
        new = wizard.new_table
        assert [new.item(r, 1).text() for r in range(new.rowCount())] == \
            ["SRIWAHYUNI", "BUDI SANTOSO"]
        assert registry(village) == before
    finally:
        wizard.close()
        wizard.deleteLater()
