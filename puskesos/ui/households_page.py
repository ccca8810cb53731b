"""The household list: instant search, filters, sortable columns, column chooser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QMenu, QPushButton, QTableView, QVBoxLayout, QWidget)

from ..core.codes import OfficeKind, VervalState
from ..core.permissions import Permission
from ..i18n import _
from ..services.registry import HouseholdFilter
from .household_form import HouseholdDialog
from .household_model import HouseholdTableModel
from .widgets import FitColumns, FlowLayout, save_path

PAGE_SIZE = 500
#: table column -> the service's order key (None: not sortable)
SORT_KEYS = ("kk", "name", "nik", "area", "area", "members", "desil", None)


class HouseholdsPage(QWidget):
    def __init__(self, services, actor, bus, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.order_by = "area"
        self.open_dialogs: list[HouseholdDialog] = []

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search name, NIK, No KK or address…  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        # at the kabupaten, which holds many villages: one of them, or all
        self.village = QComboBox()
        self._load_villages()
        self.village.setVisible(
            services.settings.office().kind == OfficeKind.KABUPATEN.value)
        self.dusun = QComboBox()
        self.rw = QComboBox()
        self.rt = QComboBox()
        self.desil = QComboBox()
        self.desil.addItem(_("All desil"), "")
        self.desil.addItem(_("Desil 1–4 (aid target)"), "1,2,3,4")
        for d in range(1, 11):
            self.desil.addItem(_("Desil {n}").format(n=d), str(d))
        self.program = QComboBox()
        self.program.addItem(_("All programs"), None)
        for p in services.programs.programs():
            self.program.addItem(f"{p.code} · {p.name}", p.code)
        self.presence = QComboBox()
        self.presence.addItem(_("All households"), None)
        self.presence.addItem(_("With a member who died or moved"), "gone")
        self.presence.addItem(_("Without a head of family"), "no_head")
        self.verval = QComboBox()
        self.verval.addItem(_("All verval statuses"), None)
        self.verval.addItem(_("Verval: in the latest cycle"), "in_cycle")
        self.verval.addItem(_("Verval: not visited yet"), VervalState.PENDING.value)
        self.verval.addItem(_("Verval: visited"), VervalState.VISITED.value)
        self.verval.addItem(_("Verval: correction waiting for approval"),
                            VervalState.PROPOSAL.value)
        self.verval.addItem(_("Verval: not in the latest cycle"),
                            VervalState.NOT_IN_CYCLE.value)
        self.verval.setToolTip(_("Status in the most recent verval cycle"))
        self.count_label = QLabel()
        self.new_button = QPushButton(_("New household"))
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_household)
        self.new_button.setVisible(actor.can(Permission.EDIT_REGISTRY))
        self.import_button = QPushButton(_("Import…"))
        self.import_button.setToolTip("Ctrl+I")
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setVisible(actor.can(Permission.EDIT_REGISTRY))
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setToolTip(_("Export the households shown (current filter) to Excel"))
        # clicked passes 'checked' (False): never a path
        self.export_button.clicked.connect(lambda _checked=False: self.export_shown())
        self.export_button.setVisible(actor.can(Permission.EXPORT))
        self.model = HouseholdTableModel(
            self, {p.code: p.name for p in services.programs.programs()})
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # no sideways scrolling, a 1024-pixel screen included: the programs, then a
        # search's "found:" and then the dusun give way (cut with "…", whole as tooltip)
        self.columns = FitColumns(self.table, elastic=(7, 1, 3))
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        # the arrow says the order the rows are in: by area (dusun, RW, RT) at first
        header.setSortIndicator(SORT_KEYS.index("area"), Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._sort)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())

        # in one row on a 1366-pixel screen, in two on a 1024-pixel one
        filters = FlowLayout()
        for w in (self.village, self.dusun, self.rw, self.rt, self.desil, self.program,
                  self.presence, self.verval):
            # long program names must not push the window past a 1366-pixel screen
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            # wide enough for its "all" entry, which is what it shows most of the time
            w.setMinimumContentsLength(max(8, len(w.itemText(0))))
            w.setToolTip(w.toolTip() or w.itemText(0))
            filters.addWidget(w)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        # more rows are fetched as the list is scrolled to its end
        self.model.rowsInserted.connect(lambda *_a: self._count_shown())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._filters_changed)
        for combo in (self.village, self.rw, self.rt, self.desil, self.program,
                      self.presence, self.verval):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.dusun.currentIndexChanged.connect(self._dusun_changed)
        QShortcut(QKeySequence.StandardKey.Find, self,
                  activated=lambda: (self.search.setFocus(), self.search.selectAll()))
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_household)
        QShortcut(QKeySequence("Ctrl+I"), self, activated=self.open_import)
        for key in ("Return", "Enter"):          # in the list only (not in the search box)
            QShortcut(QKeySequence(key), self.table, activated=self.open_selected,
                      context=Qt.ShortcutContext.WidgetShortcut)
        # from the search box, Down goes into the results and Enter opens the first one
        QShortcut(QKeySequence("Down"), self.search, activated=self._into_results,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.search.returnPressed.connect(self._open_first)
        bus.data_changed.connect(self._data_changed)
        self._load_areas()
        self.refresh()

    # ---------------------------------------------------------------- filters
    def _load_areas(self) -> None:
        self._areas = self.services.households.areas()
        self.dusun.blockSignals(True)
        current = self.dusun.currentData()
        self.dusun.clear()
        self.dusun.addItem(_("All dusun"), None)
        for name in self._areas:
            if name:
                self.dusun.addItem(name, name)
        index = self.dusun.findData(current)
        self.dusun.setCurrentIndex(max(index, 0))
        self.dusun.blockSignals(False)
        self._fill_rw_rt()

    def _fill_rw_rt(self) -> None:
        pairs = (self._areas.get(self.dusun.currentData(), []) if self.dusun.currentData()
                 else [p for v in self._areas.values() for p in v])
        for combo, values, label in ((self.rw, sorted({rw for rw, _rt in pairs if rw}),
                                      _("All RW")),
                                     (self.rt, sorted({rt for _rw, rt in pairs if rt}),
                                      _("All RT"))):
            combo.blockSignals(True)
            current = combo.currentData()
            combo.clear()
            combo.addItem(label, None)
            for v in values:
                combo.addItem(f"{label.split()[-1]} {v}", v)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

    def _dusun_changed(self) -> None:
        self._fill_rw_rt()
        self._filters_changed()

    def _filters_changed(self, *_args) -> None:
        self._debounce.start()

    def current_filter(self) -> HouseholdFilter:
        return HouseholdFilter(text=self.search.text(), village=self.village.currentData(),
                               dusun=self.dusun.currentData(),
                               rw=self.rw.currentData(), rt=self.rt.currentData(),
                               desil=tuple(int(d) for d in (self.desil.currentData() or "")
                                           .split(",") if d),
                               program=self.program.currentData(),
                               presence=self.presence.currentData(),
                               verval=self.verval.currentData())

    # ---------------------------------------------------------------- list
    def refresh(self) -> None:
        selected = self.selected_id()
        filter_, order_by = self.current_filter(), self.order_by

        def more(offset: int):
            return self.services.households.search(
                actor=self.actor, filter=filter_, limit=PAGE_SIZE, offset=offset,
                order_by=order_by)[0]

        rows, total = self.services.households.search(
            actor=self.actor, filter=filter_, limit=PAGE_SIZE, order_by=order_by)
        self.model.set_rows(rows, total=total, more=more)
        self._count_shown()
        if selected:
            for i in range(self.model.rowCount()):
                if self.model.row_at(i).id == selected:
                    self.table.selectRow(i)
                    break

    def _count_shown(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        if shown < total:
            self.count_label.setText(_("{shown} of {total} households (more as you "
                                       "scroll)").format(shown=shown, total=total))
        else:
            self.count_label.setText(_("{total} households").format(total=total))

    def _into_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)

    def _open_first(self) -> None:
        if self.model.rowCount():
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)
            self.open_selected()

    def _sort(self, column: int) -> None:
        key = SORT_KEYS[column] if column < len(SORT_KEYS) else None
        if key is None:
            # not a column the list can be ordered by: the arrow stays where it was
            current = self.order_by.lstrip("-")
            self.table.horizontalHeader().setSortIndicator(
                SORT_KEYS.index(current), Qt.SortOrder.DescendingOrder
                if self.order_by.startswith("-") else Qt.SortOrder.AscendingOrder)
            return
        self.order_by = f"-{key}" if self.order_by == key else key
        order = (Qt.SortOrder.DescendingOrder if self.order_by.startswith("-")
                 else Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSortIndicator(column, order)
        self.refresh()

    def _column_menu(self, pos) -> None:
        menu = QMenu(self)
        for column in range(self.model.columnCount()):
            action = QAction(self.model.headerData(column, Qt.Orientation.Horizontal), menu)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: (self.table.setColumnHidden(c, not on),
                                                         self.columns.fit()))
            menu.addAction(action)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row_at(rows[0].row()).id if rows else None

    def _data_changed(self, kind: str, _ids: list) -> None:
        if kind in ("household", "member", "participation"):
            self._load_villages()
            self._load_areas()
            self.refresh()

    def _load_villages(self) -> None:
        """The villages whose families are here (a bundle received adds one)."""
        self.village.blockSignals(True)
        current = self.village.currentData()
        self.village.clear()
        self.village.addItem(_("All villages"), None)
        for code, name in self.services.households.villages():
            self.village.addItem(f"{name} ({code})", code)
        self.village.setCurrentIndex(max(self.village.findData(current), 0))
        self.village.blockSignals(False)

    # ---------------------------------------------------------------- forms
    def _show(self, dialog: HouseholdDialog) -> HouseholdDialog:
        self.open_dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self.open_dialogs.remove(d)
                                if d in self.open_dialogs else None)
        dialog.show()
        return dialog

    def open_selected(self) -> HouseholdDialog | None:
        household_id = self.selected_id()
        if household_id is None:
            return None
        return self.open_household(household_id)

    def open_household(self, household_id: str) -> HouseholdDialog:
        """The form of one family (also from another page: a flag, a referral)."""
        return self._show(HouseholdDialog(self.services, self.actor, self.bus, household_id,
                                          parent=self))

    def new_household(self) -> HouseholdDialog | None:
        if not self.actor.can(Permission.EDIT_REGISTRY):
            return None
        return self._show(HouseholdDialog(self.services, self.actor, self.bus, None, parent=self))

    # ---------------------------------------------------------------- exchange
    def open_import(self):
        if not self.actor.can(Permission.EDIT_REGISTRY):
            return None
        from .import_wizard import ImportWizard
        wizard = ImportWizard(self.services, self.actor, self.bus, self)
        wizard.show()
        self.import_wizard = wizard
        return wizard

    def export_shown(self, path: str | None = None):
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from ..services.excel_export import export_registry
        if path is None:
            path, _f = QFileDialog.getSaveFileName(self, _("Export to Excel"),
                                                   save_path("keluarga.xlsx"),
                                                   _("Excel (*.xlsx)"))
            if not path:
                return None
        current = self.current_filter()

        def work(progress, cancel):
            return export_registry(self.services, actor=self.actor, path=Path(path),
                                   filter=current, progress=progress, cancel=cancel)

        def done(count):
            QMessageBox.information(self, _("Export"), _("{n} rows written to {path}.")
                                    .format(n=count, path=path))

        self.export_job = self.bus.ops.run(self, _("Exporting…"), work, on_done=done)
        return self.export_job
