"""Qt's own dialogs and buttons speak Indonesian (issue 12): PySide6 has no Indonesian
catalogue for Qt, so the program brings its own (ui/qt_catalog.py)."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialogButtonBox, QFileDialog, QInputDialog, QLabel, QLineEdit,
                               QMessageBox, QPushButton)

from puskesos import i18n
from puskesos.ui import qt_catalog


def _texts(widget) -> set[str]:
    return {w.text() for kind in (QPushButton, QLabel) for w in widget.findChildren(kind)
            if w.text()}


def test_standard_buttons_say_simpan_buang_batal(qtbot):
    box = QMessageBox(QMessageBox.Icon.Question, "Puskesos", "Simpan perubahan?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert [box.button(b).text() for b in (QMessageBox.StandardButton.Save,
                                            QMessageBox.StandardButton.Discard,
                                            QMessageBox.StandardButton.Cancel)] == \
        ["Simpan", "Buang", "Batal"]
    yes_no = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes
                              | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(yes_no)
    assert {b.text() for b in yes_no.buttons()} == {"&Ya", "&Tidak"}


def test_the_password_prompt_and_the_input_dialog_say_batal(qtbot):
    dialog = QInputDialog()
    qtbot.addWidget(dialog)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.show()
    assert "Batal" in _texts(dialog) and "Cancel" not in _texts(dialog)


def test_the_file_dialog_speaks_indonesian(qtbot):
    dialog = QFileDialog(None, "Simpan laporan")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.show()
    texts = _texts(dialog)
    assert {"&Simpan", "Batal", "&Nama berkas:", "&Cari di:"} <= texts
    assert not {"&Save", "Cancel", "File &name:", "Look in:"} & texts


def test_text_field_menus_speak_indonesian(qtbot):
    field = QLineEdit()
    qtbot.addWidget(field)
    menu = field.createStandardContextMenu()
    assert {"&Salin", "T&empel", "Pilih semua"} <= {a.text().split("\t")[0]
                                                      for a in menu.actions()}


def test_in_english_qt_speaks_english(qtbot, qapp):
    i18n.set_language("en")
    try:
        assert not qt_catalog.install(qapp)
        box = QMessageBox(QMessageBox.Icon.Question, "Puskesos", "?",
                          QMessageBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert box.button(QMessageBox.StandardButton.Cancel).text() == "Cancel"
    finally:
        i18n.set_language("id")
        assert qt_catalog.install(qapp)
