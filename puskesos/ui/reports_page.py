"""Laporan (issue 17 point 4): the Sasaran dashboard of the village or one of its
areas — households by desil, the extreme poor receiving a program or nothing, the
households reached by each kind of program, the open flags by kind, the same by RT
and by program — each figure opening the list of its families; and the forum report
as a PDF (preview, print, save) or a workbook.

The figures are computed off the window's thread (``bus.ops.run``); the charts are
QtCharts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import (QAbstractBarSeries, QBarCategoryAxis, QBarSet, QChart,
                              QChartView, QHorizontalBarSeries, QValueAxis)
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFrame,
                               QLabel, QMessageBox, QPushButton, QScrollArea, QTabWidget,
                               QVBoxLayout, QWidget)

from ..core.permissions import Permission
from ..core.targeting import FlagKind, ProgramKind
from ..files import safe_name
from ..i18n import _
from ..services.reports import Area, Figure
from .pdf_preview import PdfPreview
from .report_dialogs import FamiliesDialog
from .table_model import DtoTableModel
from .widgets import FlowLayout, list_table, save_path

KINDS = tuple(k.value for k in ProgramKind)
FLAG_KINDS = tuple(k.value for k in FlagKind)


def _chart(title: str, series, categories: list[str], horizontal: bool = False,
           legend: bool = False) -> QChartView:
    """A bar chart of ``series`` over ``categories``, whole-number axis, values on
    the bars."""
    chart = QChart()
    chart.setTitle(title)
    chart.addSeries(series)
    chart.legend().setVisible(legend)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.layout().setContentsMargins(2, 2, 2, 2)
    names = QBarCategoryAxis()
    names.append(categories)
    values = QValueAxis()
    values.setLabelFormat("%d")
    top = max([s.at(i) for s in series.barSets() for i in range(s.count())] or [0])
    values.setRange(0, max(4, top * 1.15))
    values.applyNiceNumbers()
    values.setLabelFormat("%d")
    chart.addAxis(names, Qt.AlignmentFlag.AlignLeft if horizontal
                  else Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignBottom if horizontal
                  else Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(names)
    series.attachAxis(values)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    return view


class ReportsPage(QWidget):
    def __init__(self, services, actor, bus, open_household=None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        #: opens a family's form (the households page's)
        self.open_household = open_household
        self.board = None
        #: the figures being computed, and the last other operation (a list, a report)
        self.computing = None
        self.job = None
        #: the open flags the figures count, kept while only the area changes (read
        #: again by Refresh and after a change of the data)
        self.flags: list | None = None
        self.stale = True
        self.dialogs: list = []
        self.previews: list[PdfPreview] = []
        #: figure key → the button showing it (the summary)
        self.figures: dict[tuple, QPushButton] = {}
        #: chart name → its view, and the figure of each bar (set, index)
        self.charts: dict[str, QChartView] = {}
        self.bars: dict[str, list[list[Figure | None]]] = {}

        self.area = QComboBox()
        self.area.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.area.setMinimumContentsLength(22)
        #: the areas of the list, in its order
        self.areas: list[Area] = []
        self._fill_areas()
        self.area.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = refresh = QPushButton(_("&Refresh"))
        refresh.clicked.connect(lambda: self.refresh(again=True))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self,
                  lambda: self.refresh(again=True))
        self.pdf_button = QPushButton(_("Print the forum report (&PDF)…"))
        self.pdf_button.clicked.connect(lambda: self.print_report())
        self.xlsx_button = QPushButton(_("Export the &workbook (xlsx)…"))
        self.xlsx_button.clicked.connect(lambda: self.export_workbook())
        self.xlsx_button.setEnabled(actor.can(Permission.EXPORT))
        top = FlowLayout()
        top.addWidget(QLabel(_("Area")))
        top.addWidget(self.area)
        top.addWidget(refresh)
        top.addWidget(self.pdf_button)
        top.addWidget(self.xlsx_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        #: the vulnerable groups of the area, in words (listed on Program & Sasaran)
        self.vulnerable = QLabel()
        self.vulnerable.setWordWrap(True)
        cards = FlowLayout()
        for measure, value in (("households", None), ("members", None), ("extreme", None),
                               ("extreme_covered", None), ("extreme_uncovered", None),
                               ("reached", None), ("flag", None)):
            button = QPushButton()
            button.setFlat(False)
            button.clicked.connect(lambda _c=False, f=Figure(measure, value): self.show_figure(f))
            self.figures[(measure, value)] = button
            cards.addWidget(button)

        self.tabs = QTabWidget()
        self.chart_box = QWidget()
        self.chart_grid = QVBoxLayout(self.chart_box)
        self.chart_grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.chart_box)
        self.tabs.addTab(scroll, _("Charts"))
        self.area_model = DtoTableModel([
            (_("Dusun, RW, RT"), lambda x: x.name),
            (_("Households"), lambda x: x.households),
            (_("Members"), lambda x: x.members),
            (_("Extreme poor"), lambda x: x.extreme),
            (_("Covered"), lambda x: x.extreme_covered),
            (_("Not covered"), lambda x: x.extreme_uncovered),
            (_("Receiving aid"), lambda x: x.reached),
            (_("Flags"), lambda x: x.flags)])
        self.area_table = list_table(self.area_model, elastic=(0,))
        self.area_table.setToolTip(_("Covered: extreme poor receiving at least one program. "
                                     "Double-click a number to see its families."))
        self.area_table.doubleClicked.connect(lambda index: self.show_cell(index))
        self.tabs.addTab(self.area_table, _("By dusun and RT"))
        self.program_model = DtoTableModel([
            (_("Program"), lambda p: p.code),
            (_("Name"), lambda p: p.name),
            (_("Kind"), lambda p: p.kind_label or "-"),
            (_("Households"), lambda p: p.households),
            (_("Of whom extreme poor"), lambda p: p.extreme)])
        self.program_table = list_table(self.program_model, elastic=(1, 2))
        self.program_table.doubleClicked.connect(lambda index: self.show_program(index.row()))
        self.tabs.addTab(self.program_table, _("By program"))
        hint = QLabel(_("Click a figure, a bar or a line to see its families."))
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addLayout(cards)
        layout.addWidget(self.vulnerable)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(hint)
        bus.data_changed.connect(lambda kind, _ids: self._changed(kind))

    # ------------------------------------------------------------------ areas
    def _fill_areas(self) -> None:
        chosen = self.chosen_area() if self.areas else Area()
        self.areas = [Area()]
        names = [_("The whole village")]
        for dusun, places in self.services.households.areas().items():
            if not dusun:
                continue
            self.areas.append(Area(dusun=dusun))
            names.append(_("Dusun {name}").format(name=dusun))
            for rw, rt in places:
                if rt:
                    self.areas.append(Area(dusun=dusun, rw=rw or None, rt=rt))
                    names.append(f"    {dusun} · RW {rw or '-'} · RT {rt}")
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItems(names)
        self.area.setCurrentIndex(self.area_index(chosen))
        self.area.blockSignals(False)

    def area_index(self, area: Area) -> int:
        """Where ``area`` is in the area list (0, the whole village, when it is not)."""
        return self.areas.index(area) if area in self.areas else 0

    def chosen_area(self) -> Area:
        at = self.area.currentIndex()
        return self.areas[at] if 0 <= at < len(self.areas) else Area()

    def _changed(self, kind: str) -> None:
        if kind in ("household", "setting", "program"):
            self.flags = None
            self.stale = True
            if self.isVisible():
                self._fill_areas()
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.stale:
            self.refresh()

    # ------------------------------------------------------------------ figures
    def refresh(self, again: bool = False) -> None:
        """The figures of the chosen area computed again, off the window's thread
        (``again``: the flags too, else those of the last computation)."""
        if again:
            self.flags = None
        if self.computing is not None and self.computing.running:
            self.stale = True               # computed again when this one is done
            return
        self.stale = False
        reports, actor, area = self.services.reports, self.actor, self.chosen_area()
        targeting, flags = self.services.targeting, self.flags

        def work(_progress, _cancel):
            found = flags if flags is not None else targeting.flags(actor=actor)
            return found, reports.dashboard(actor=actor, area=area, flags=found)

        def done(result) -> None:
            self.flags, board = result
            self.show_board(board)
            if self.stale:                  # the area changed meanwhile
                self.refresh()

        self.computing = self.bus.ops.run(self, _("Computing the figures"), work,
                                          on_done=done, reads_only=True)

    def show_board(self, board) -> None:
        """Show the figures of ``board`` (a Dashboard)."""
        self.board = board
        t = board.total
        desil = (_("desil 1") if board.extreme_desil == 1
                 else _("desil 1–{n}").format(n=board.extreme_desil))
        self.summary.setText(_(
            "{area}: extreme poor are the families in {desil}; {share}% of them receive "
            "at least one program.").format(area=board.area.label(), desil=desil,
                                            share=f"{t.coverage:g}"))
        texts = {("households", None): (t.households, _("Households")),
                 ("members", None): (t.members, _("Members")),
                 ("extreme", None): (t.extreme, _("Extreme poor")),
                 ("extreme_covered", None): (t.extreme_covered,
                                             _("Extreme poor receiving a program")),
                 ("extreme_uncovered", None): (t.extreme_uncovered,
                                               _("Extreme poor receiving nothing")),
                 ("reached", None): (t.reached, _("Households receiving a program")),
                 ("flag", None): (sum(board.flags.values()), _("Open flags"))}
        for key, (value, label) in texts.items():
            self.figures[key].setText(f"{value}\n{label}")
        v = board.vulnerable
        self.vulnerable.setText(_(
            "Vulnerable: {orphans} orphans ({alone} without a foster sponsor), {sponsors} "
            "foster sponsors ({free} places free), {elderly} elderly living alone, {severe} "
            "severely disabled — listed on the Programs & targets page.").format(
            orphans=v.orphans, alone=v.orphans_unsponsored, sponsors=v.sponsors,
            free=v.places_free, elderly=v.elderly_alone, severe=v.severe))
        self._charts(board)
        self.area_model.set_rows(board.by_area)
        self.program_model.set_rows(board.programs)

    def _charts(self, board) -> None:
        while self.chart_grid.count():
            item = self.chart_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        t = board.total
        self.charts.clear()
        self.bars.clear()
        # households by desil (the bars lie down, desil 1 on top, so that every label
        # is read whole on a 1024-pixel screen)
        order = list(reversed([Figure("desil", str(d)) for d in range(1, 11)]
                              + [Figure("desil", "none")]))
        names = {f: (_("Desil {n}").format(n=f.value) if f.value != "none"
                     else _("Without a desil")) for f in order}
        counts = {Figure("desil", str(d)): t.by_desil[d - 1] for d in range(1, 11)}
        counts[Figure("desil", "none")] = t.by_desil[10]
        self._bars("desil", _("Households by desil"), [(_("Households"), [
            counts[f] for f in order])], [names[f] for f in order], [order], 400)
        # the extreme poor: receiving a program, or nothing
        self._bars("extreme", _("Extreme poor households"), [(_("Extreme poor"), [
            t.extreme_uncovered, t.extreme_covered])],
            [_("Receiving nothing"), _("Receiving a program")],
            [[Figure("extreme_uncovered"), Figure("extreme_covered")]], 170)
        # households reached by each kind of program
        kinds = list(reversed(KINDS))
        self._bars("kinds", _("Households reached by each kind of program"), [
            (_("All households"), [t.by_kind.get(k, 0) for k in kinds]),
            (_("Extreme poor"), [board.extreme_by_kind.get(k, 0) for k in kinds])],
            [ProgramKind.label_of(k) for k in kinds],
            [[Figure("kind", k) for k in kinds], [Figure("extreme_kind", k) for k in kinds]],
            230)
        # open flags by kind
        flags = list(reversed(FLAG_KINDS))
        self._bars("flags", _("Open flags by kind"), [(_("Open flags"), [
            board.flags[k] for k in flags])], [FlagKind.label_of(k) for k in flags],
            [[Figure("flag", k) for k in flags]], 330)

    def _bars(self, name: str, title: str, sets: list[tuple[str, list[int]]],
              categories: list[str], figures: list[list[Figure]], height: int) -> None:
        """A chart of lying bars, full width; each bar opens the families of its
        figure (``figures[set][index]``)."""
        series = QHorizontalBarSeries()
        for label, values in sets:
            bar_set = QBarSet(label)
            bar_set.append([float(v) for v in values])
            bar_set.setLabelColor(Qt.GlobalColor.black)
            series.append(bar_set)
        view = _chart(title, series, categories, horizontal=True, legend=len(sets) > 1)
        view.setMinimumHeight(height)
        self._add(name, view, figures, series)

    def _add(self, name: str, view: QChartView, figures: list[list[Figure]],
             series) -> None:
        self.charts[name] = view
        self.bars[name] = figures
        for number, bar_set in enumerate(series.barSets()):
            bar_set.clicked.connect(
                lambda index, n=name, s=number: self.click_bar(n, s, index))
        self.chart_grid.addWidget(view)

    def click_bar(self, chart: str, series: int, index: int):
        """A bar clicked: the families it counts."""
        return self.show_figure(self.bars[chart][series][index])

    # ------------------------------------------------------------------ click-through
    def _title(self, figure: Figure, area: Area) -> str:
        m, v = figure.measure, figure.value
        names = {"households": _("Households"), "members": _("Households with members"),
                 "extreme": _("Extreme poor"),
                 "extreme_covered": _("Extreme poor receiving a program"),
                 "extreme_uncovered": _("Extreme poor receiving nothing"),
                 "reached": _("Households receiving a program")}
        if m in names:
            text = names[m]
        elif m == "desil":
            text = _("Without a desil") if v == "none" else _("Desil {n}").format(n=v)
        elif m == "kind":
            text = ProgramKind.label_of(v)
        elif m == "extreme_kind":
            text = _("Extreme poor: {kind}").format(kind=ProgramKind.label_of(v))
        elif m == "program":
            text = _("Program {code}").format(code=v)
        else:
            text = FlagKind.label_of(v) if v else _("Open flags")
        return f"{text} — {area.label()}"

    def show_figure(self, figure: Figure, area: Area | None = None):
        """The families a figure counts, listed in a dialog (found off the window's
        thread: a flag's come from the flags)."""
        area = self.board.area if area is None and self.board is not None else (
            area or self.chosen_area())
        reports, actor, flags = self.services.reports, self.actor, self.flags
        note = (_("The recipients not in the registry have no family here: they are "
                  "listed on the Programs & targets page.")
                if figure == Figure("flag", FlagKind.NOT_IN_REGISTRY.value) else "")

        def work(_progress, _cancel):
            return reports.figure_households(actor=actor, figure=figure, area=area,
                                             flags=flags)

        def done(ids) -> None:
            dialog = FamiliesDialog(self.services, self.actor, self._title(figure, area), ids,
                                    note=note, open_household=self.open_household,
                                    parent=self)
            self.dialogs.append(dialog)
            dialog.finished.connect(lambda _r: self.dialogs.remove(dialog)
                                    if dialog in self.dialogs else None)
            dialog.show()

        self.job = self.bus.ops.run(self, _("Finding the families"), work, on_done=done,
                                    reads_only=True)
        return self.job

    def show_cell(self, index):
        """A cell of the table by RT: that figure of that RT."""
        line = self.area_model.row_at(index.row())
        if line.dusun is None or line.rt is None:
            return None         # families without an area recorded: no area to choose
        columns = [Figure("households"), Figure("households"), Figure("members"),
                   Figure("extreme"), Figure("extreme_covered"), Figure("extreme_uncovered"),
                   Figure("reached"), Figure("flag")]
        figure = columns[index.column()]
        return self.show_figure(figure, Area(line.dusun, line.rw, line.rt))

    def show_program(self, row: int):
        program = self.program_model.row_at(row)
        return self.show_figure(Figure("program", program.code))

    # ------------------------------------------------------------------ forum report
    def print_report(self):
        """The forum report of the chosen area, previewed (print or save from there)."""
        reports, actor, area = self.services.reports, self.actor, self.chosen_area()

        def work(_progress, _cancel):
            return reports.forum_pdf(actor=actor, area=area)

        def done(document) -> None:
            preview = PdfPreview(document, self)
            self.previews.append(preview)
            preview.finished.connect(lambda _r: self.previews.remove(preview)
                                     if preview in self.previews else None)
            preview.open()

        self.job = self.bus.ops.run(self, _("Printing the forum report"), work, on_done=done)
        return self.job

    def export_workbook(self, path: str | None = None):
        """The forum report of the chosen area as a workbook, saved where the user says."""
        area = self.chosen_area()
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, _("Export the workbook"),
                save_path(safe_name("laporan-sasaran", None if area.whole else area.words())
                          + ".xlsx"), _("Excel workbooks (*.xlsx)"))
        if not path:
            return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        reports, actor = self.services.reports, self.actor

        def work(_progress, _cancel):
            return reports.forum_xlsx(actor=actor, area=area, path=Path(path))

        def done(saved: Path) -> None:
            QMessageBox.information(self, _("Export the workbook"), _(
                "The forum report was saved to {path}.").format(path=saved))

        self.job = self.bus.ops.run(self, _("Export the workbook"), work, on_done=done)
        return self.job
