"""The Laporan page (issue 17 point 4) on the demo village, pressed through the real
widgets: the figures are the service's; choosing an area changes them; a figure, a
bar of a chart and a cell of the table by RT each list their families, from which a
family's form opens; the forum report is previewed and saved as a PDF, and saved as
a workbook through the save dialog."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog
from openpyxl import load_workbook

from puskesos.core.codes import Role
from puskesos.services import Actor
from puskesos.services.reports import Area, Figure
from puskesos.ui.household_form import HouseholdDialog
from puskesos.ui.main_window import MainWindow, modules
from puskesos.ui.report_dialogs import FamiliesDialog
from tests.printing.pdfcheck import pages_text
from tests.ui.conftest import click, dialogs

KOORDINATOR = Actor("koordinator", "koordinator", "Suhartini")
KADES = Actor("kades", Role.KEPALA_DESA.value, "Kepala Desa")


def _window(qtbot, village, actor) -> MainWindow:
    assert dict((k, a) for k, _t, a in modules())["reports"]      # no longer greyed
    win = MainWindow(village, actor, idle_minutes=0)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    bar = win.nav
    row = next(i for i in range(bar.count()) if bar.item(i).data(Qt.ItemDataRole.UserRole)
               == "reports")
    qtbot.mouseClick(bar.viewport(), Qt.MouseButton.LeftButton,
                     pos=bar.visualItemRect(bar.item(row)).center())
    page = win.pages["reports"]
    assert win.stack.currentWidget() is page
    _computed(qtbot, page)
    return win


def _computed(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.board is not None and not page.bus.ops.active()
                    and not page.stale, timeout=60000)


def _number(button) -> int:
    return int(button.text().split("\n")[0])


def _families(qtbot, page) -> FamiliesDialog:
    """The list of families a click opened (the one before was closed)."""
    qtbot.waitUntil(lambda: bool(page.dialogs) and not page.bus.ops.active(),
                    timeout=60000)
    dialog = page.dialogs[-1]
    assert dialog.isVisible()
    return dialog


def _listed(dialog: FamiliesDialog) -> list[str]:
    model = dialog.model
    while model.canFetchMore():
        model.fetchMore()
    return [model.row_at(r).household_id for r in range(model.rowCount())]


def test_an_area_chosen_changes_the_figures_and_each_figure_lists_its_families(
        qtbot, village):
    win = _window(qtbot, village, KOORDINATOR)
    page = win.pages["reports"]
    whole = village.reports.dashboard(actor=KOORDINATOR)
    assert _number(page.figures[("households", None)]) == whole.total.households == 300
    assert _number(page.figures[("extreme", None)]) == whole.total.extreme
    assert _number(page.figures[("flag", None)]) == sum(whole.flags.values())

    # Given a dusun chosen in the area list, the figures are that dusun's
    dusun = whole.by_dusun[1].dusun
    at = page.area_index(Area(dusun=dusun))
    assert at > 0
    page.area.setCurrentIndex(at)
    _computed(qtbot, page)
    board = village.reports.dashboard(actor=KOORDINATOR, area=Area(dusun=dusun))
    assert _number(page.figures[("households", None)]) == board.total.households \
        == whole.by_dusun[1].households < 300
    assert _number(page.figures[("members", None)]) == board.total.members
    assert dusun in page.summary.text()
    v = board.vulnerable          # the dusun's vulnerable groups, in words
    assert (f"{v.orphans} anak yatim ({v.orphans_unsponsored} belum memiliki orang tua "
            f"asuh), {v.sponsors} orang tua asuh") in page.vulnerable.text()
    assert {page.area_model.row_at(r).dusun for r in range(page.area_model.rowCount())} \
        == {dusun}

    # When a figure is clicked, its families are listed, and one opens
    click(qtbot, page.figures[("extreme_covered", None)])
    dialog = _families(qtbot, page)
    expected = village.reports.figure_households(
        actor=KOORDINATOR, figure=Figure("extreme_covered"), area=Area(dusun=dusun))
    assert _listed(dialog) == expected and len(expected) == board.total.extreme_covered
    assert all(dialog.model.row_at(r).dusun == dusun for r in range(dialog.model.rowCount()))
    dialog.table.selectRow(0)
    click(qtbot, dialog.open_button)
    opened = [d for d in win.households.open_dialogs if isinstance(d, HouseholdDialog)]
    assert [d.household_id for d in opened] == [expected[0]]
    opened[0].reject()
    dialog.reject()

    # a bar of the desil chart, clicked where it is drawn: that desil's families
    view = page.charts["desil"]
    series = view.chart().series()[0]
    band = page.bars["desil"][0].index(Figure("desil", "2"))
    value = series.barSets()[0].at(band)
    assert value == board.total.by_desil[1] > 0
    point = view.chart().mapToPosition(QPointF(value / 2, band), series)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(view.chart().mapToScene(point)))
    dialog = _families(qtbot, page)
    assert len(_listed(dialog)) == board.total.by_desil[1]
    assert dusun in dialog.windowTitle()
    dialog.reject()

    # a cell of the table by RT: that RT's open flags
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(page.area_table.isVisible)
    line = page.area_model.row_at(0)
    index = page.area_model.index(0, 7)
    assert index.data() == str(line.flags)
    rect = page.area_table.visualRect(index)
    qtbot.mouseClick(page.area_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.area_table.viewport(), Qt.MouseButton.LeftButton,
                      pos=rect.center())
    dialog = _families(qtbot, page)
    flagged = {f.household_id for f in village.targeting.flags(actor=KOORDINATOR)}
    rt = village.reports.figure_households(actor=KOORDINATOR, figure=Figure("households"),
                                           area=Area(line.dusun, line.rw, line.rt))
    assert set(_listed(dialog)) == flagged & set(rt)
    dialog.reject()
    win.close()


def test_the_forum_report_is_previewed_saved_and_exported(qtbot, village, tmp_path,
                                                          monkeypatch):
    win = _window(qtbot, village, KOORDINATOR)
    page = win.pages["reports"]
    # the PDF: previewed, then saved from the preview
    click(qtbot, page.pdf_button)
    qtbot.waitUntil(lambda: bool(page.previews) and not page.bus.ops.active(),
                    timeout=60000)
    preview = page.previews[-1]
    text = "\n".join(pages_text(preview.document.pdf))
    assert "LAPORAN SASARAN" in text and "Seluruh desa" in text
    target = tmp_path / "laporan.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (str(target), "")))
    click(qtbot, preview.save_button)
    assert target.read_bytes() == preview.document.pdf
    preview.reject()
    # the workbook of one dusun, through the save dialog
    dusun = page.board.by_dusun[0].dusun
    page.area.setCurrentIndex(page.area_index(Area(dusun=dusun)))
    _computed(qtbot, page)
    book = tmp_path / "laporan"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (str(book), "")))
    told: list[str] = []
    with dialogs(lambda box: (told.append(box.text()), box.accept())):
        click(qtbot, page.xlsx_button)
        qtbot.waitUntil(lambda: bool(told), timeout=60000)
    saved = tmp_path / "laporan.xlsx"
    assert str(saved) in told[0]
    summary = dict(load_workbook(saved)["Ringkasan"].iter_rows(values_only=True))
    assert summary["Wilayah"] == f"Dusun {dusun}"
    assert summary["Keluarga"] == page.board.total.households
    win.close()


def test_the_village_head_reads_the_figures_with_nik_masked_and_exports_nothing(
        qtbot, village):
    win = _window(qtbot, village, KADES)
    page = win.pages["reports"]
    assert not page.xlsx_button.isEnabled() and page.pdf_button.isEnabled()
    click(qtbot, page.figures[("extreme", None)])
    dialog = _families(qtbot, page)
    niks = [dialog.model.index(r, 2).data() for r in range(dialog.model.rowCount())]
    assert niks and all(not n.isdigit() for n in niks if n != "-")
    dialog.reject()
    win.close()


def test_the_page_fits_a_1024_screen_without_sideways_scrolling(qtbot, village, monkeypatch):
    from puskesos.ui import main_window
    from tests.ui.test_screen_fit import SCREENS, _inside, on_screen
    on_screen(monkeypatch, main_window, SCREENS["1024"])
    win = MainWindow(village, KOORDINATOR, idle_minutes=0)
    qtbot.addWidget(win)
    win.show()
    win.show_module("reports")
    page = win.pages["reports"]
    _computed(qtbot, page)
    qtbot.wait(50)
    assert win.width() <= int(1024 * 0.96)
    assert win.minimumSizeHint().width() <= win.width()
    for button in (page.pdf_button, page.xlsx_button, *page.figures.values()):
        assert _inside(button, page), button.text()
    charts = page.tabs.widget(0)
    assert not charts.horizontalScrollBar().isVisible()
    # every chart as wide as the page's charts tab (its labels have the room), and
    # not wider (nothing cut off at the right)
    room = charts.viewport().width()
    assert all(room - 20 <= view.width() <= room for view in page.charts.values())
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(page.area_table.isVisible)
    qtbot.wait(50)
    assert not page.area_table.horizontalScrollBar().isVisible()
    win.close()


def test_refresh_reads_the_flags_again(qtbot, village):
    """The flags are kept while only the area changes (they take seconds in a large
    village); Refresh reads them again: a flag set aside meanwhile is no longer
    counted."""
    win = _window(qtbot, village, KOORDINATOR)
    page = win.pages["reports"]
    before = _number(page.figures[("flag", None)])
    flag = village.targeting.flags(actor=KOORDINATOR, kind="double_aid")[0]
    village.targeting.dismiss(actor=KOORDINATOR, flag=flag, reason="Sudah dihentikan")
    click(qtbot, page.refresh_button)
    _computed(qtbot, page)
    assert _number(page.figures[("flag", None)]) == before - 1
    win.close()
