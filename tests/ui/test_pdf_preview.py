"""The PDF preview: fits the screen, offers the Documents folder and a name that says
what is printed, and says where it saved (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from puskesos.services import Actor
from puskesos.ui.pdf_preview import PdfPreview
from puskesos.ui.widgets import documents_folder

OPERATOR = Actor("operator", "operator", "Bagus Prasetyo")


@pytest.fixture
def preview(qtbot, village):
    cycle = village.verval.cycles(actor=OPERATOR)[0]
    entry = village.verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    document = village.documents.verval_forms(actor=OPERATOR, cycle_id=cycle.id,
                                              area=(entry.dusun, entry.rw, entry.rt))
    dialog = PdfPreview(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_preview_fits_the_screen(preview):
    room = (preview.screen() or QApplication.primaryScreen()).availableGeometry()
    assert preview.height() <= room.height() and preview.width() <= room.width()


def test_save_offers_the_documents_folder_and_says_where_it_saved(qtbot, preview, tmp_path,
                                                                  monkeypatch):
    offered = []

    def get_save_file_name(parent, caption="", folder="", filters="", *args, **kwargs):
        offered.append(folder)
        return str(tmp_path / "formulir.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    [folder] = offered
    assert Path(folder).parent == documents_folder()
    assert Path(folder).name.startswith("verval-") and "-RT" in Path(folder).name
    assert (tmp_path / "formulir.pdf").read_bytes()[:5] == b"%PDF-"
    assert preview.saved_label.isVisible()
    assert preview.saved_label.text() == f"Disimpan di {tmp_path / 'formulir.pdf'}."
