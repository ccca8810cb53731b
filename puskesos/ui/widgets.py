"""Small input widgets shared by the forms: code-list drop-downs, optional dates."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF, QGuiApplication
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox,
                               QBoxLayout, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLayout, QLineEdit, QListWidget, QPlainTextEdit, QStyle,
                               QTableView, QTextEdit, QToolTip, QVBoxLayout, QWidget)

from ..core.bahasa import short_date
from ..core.codes import CodeList
from ..core.normalize import date_cell
from ..errors import UserError
from ..i18n import _
from .operations import write

ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a5a00;"


def parse_date(text: str) -> date | None:
    """A typed date → date; empty → None; else ValueError (with the reason).

    The one date reader of the program (:func:`puskesos.core.normalize.date_cell`):
    a date field takes what an import takes (17-08-1980, 17/08/1980, 1980-08-17,
    17 Agustus 1980, …)."""
    value, problem = date_cell(text)
    if problem:
        raise ValueError(problem)
    return value


class CodeCombo(QComboBox):
    """A drop-down over a code list; the first entry is "(empty)" unless required."""

    def __init__(self, code_list: type[CodeList], *, required: bool = False, parent=None):
        super().__init__(parent)
        self.code_list = code_list
        if not required:
            self.addItem(_("(not filled in)"), None)
        for code, label in code_list.choices():
            self.addItem(f"{code} · {label}" if code.isdigit() else label, code)
        # long official labels must not make a form wider than a 1024-pixel screen: the
        # box may be narrower than its longest entry, whose whole text the list and
        # the tooltip show
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)
        self.currentTextChanged.connect(self.setToolTip)

    def code(self) -> str | None:
        return self.currentData()

    def set_code(self, code: str | None) -> None:
        index = self.findData(code)
        if index < 0 and code is not None:
            # a stored code the list no longer knows stays visible rather than lost
            self.addItem(str(code), code)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))


class DateEdit(QLineEdit):
    """A date typed as dd-mm-yyyy (or as an import reads it: 17 Agustus 1980), or empty."""

    valid_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setPlaceholderText(_("dd-mm-yyyy"))
        self.setMaxLength(20)           # 17 Agustus 1980 fits

    def value(self) -> date | None:
        """The date, or None when empty; raises ValueError when not a real date."""
        return parse_date(self.text())

    def is_valid(self) -> bool:
        try:
            self.value()
            return True
        except ValueError:
            return False

    def set_value(self, value: date | None) -> None:
        self.setText(short_date(value))


def message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.hide()
    return label


def show_message(label: QLabel, text: str, *, warning: bool = False) -> None:
    label.setStyleSheet(WARNING_STYLE if warning else ERROR_STYLE)
    label.setText(text)
    label.setVisible(bool(text))


def dialog_buttons(*buttons) -> QDialogButtonBox:
    """A button box whose standard buttons speak the window's language."""
    box = QDialogButtonBox()
    texts = {QDialogButtonBox.StandardButton.Ok: _("OK"),
             QDialogButtonBox.StandardButton.Cancel: _("Cancel"),
             QDialogButtonBox.StandardButton.Save: _("Save"),
             QDialogButtonBox.StandardButton.Close: _("Close")}
    for button in buttons:
        box.addButton(button).setText(texts.get(button, ""))
    return box


class FormDialog(QDialog):
    """A dialog of fields (``form``, inside ``body`` where more widgets may follow),
    a message line, and Save (or ``ok``) and Cancel; Save calls :meth:`save`, which
    does the change with :meth:`commit`: kept open with the reason when it is
    refused, closed when it is done."""

    def __init__(self, title: str, parent: QWidget | None = None,
                 ok=QDialogButtonBox.StandardButton.Save) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.body = QVBoxLayout()
        self.body.addLayout(self.form)
        self.message = message_label()
        self.box = dialog_buttons(ok, QDialogButtonBox.StandardButton.Cancel)
        self.box.accepted.connect(self.save)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.box)

    def save(self) -> None:
        raise NotImplementedError

    def refuse(self, text: str) -> None:
        """Say why the dialog cannot be saved yet (it stays open)."""
        show_message(self.message, text)

    def commit(self, work) -> bool:
        """Run the change ``work()`` on the writer thread (``operations.write``); on a
        user error say it and stay open, else close.  True when done."""
        try:
            self.result_value = write(self, work)
        except UserError as exc:
            self.refuse(str(exc))
            return False
        self.accept()
        return True


def read_only_view(dialog: QDialog, box: QDialogButtonBox, why: str,
                   keep: tuple[QWidget, ...] = ()) -> None:
    """Show a form dialog to read, not to change (a village's verval at the
    kabupaten): every field is read only, every button but those of ``keep`` is
    off, ``box`` holds Close alone, and ``why`` is said at the top."""
    for widget in dialog.findChildren(QWidget):
        if widget in keep or box.isAncestorOf(widget):
            continue
        if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
            widget.setReadOnly(True)
        elif isinstance(widget, QListWidget):       # its ticks would still change
            widget.setEnabled(False)
        elif isinstance(widget, QAbstractItemView):
            widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        elif isinstance(widget, (QComboBox, QAbstractButton, QAbstractSpinBox)):
            widget.setEnabled(False)
    box.clear()
    box.addButton(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
    box.rejected.connect(dialog.reject)
    notice = QLabel(why)
    notice.setWordWrap(True)
    layout = dialog.layout()
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(0, notice)


def fit_size(widget: QWidget, width: int, height: int) -> None:
    """Open ``widget`` at ``width`` x ``height``, or smaller where the screen is
    smaller (a 1366x768 or 1024x768 screen, less the task bar): never taller or
    wider than what can be seen."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, int(room.width() * 0.96))
        height = min(height, int(room.height() * 0.92))
    widget.resize(width, height)


class FitColumns(QObject):
    """Keeps a table's columns inside its width, so that it never scrolls sideways
    (a 1024-pixel screen included).

    Each column is as wide as the longest text it holds (every row loaded, read as
    text: quicker than asking the view, so a search refits at once) and its header;
    spare room goes to the last column.  When the width runs out, the ``elastic``
    columns give way, the first named first, down to the width of their header:
    their text is cut with "…" and shown whole as the tooltip.  A column the user
    widened by hand keeps its width.  The columns are fitted again when the table
    changes size or its rows change.
    """

    def __init__(self, table: QTableView, elastic: tuple[int, ...]):
        super().__init__(table)
        self.table, self.elastic = table, tuple(elastic)
        self._user: dict[int, int] = {}
        self._natural: dict[int, int] = {}          # the widest text of each column
        self._fitting = False
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.sectionResized.connect(self._resized_by_hand)
        table.viewport().installEventFilter(self)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.fit)
        model = table.model()
        for signal in (model.modelReset, model.layoutChanged, model.dataChanged):
            signal.connect(self._remeasure)
        # a further page of rows (fetched as the list scrolls) only widens
        model.rowsInserted.connect(lambda _parent, first, last: self._measure(first, last))
        # what the view adds to a text: its margins either side and the grid line
        margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                           table) + 1
        # (one pixel more: the delegate rounds some texts' widths up where the
        # metrics here give a fraction under, e.g. a tracking code of wide letters)
        self._pad = 2 * margin + (1 if table.showGrid() else 0) + 1
        self._remeasure()

    def _remeasure(self, *_args) -> None:
        self._natural = {}
        self._measure(0, self.table.model().rowCount() - 1)

    def _measure(self, first: int, last: int) -> None:
        model, pad = self.table.model(), self._pad
        metrics = QFontMetricsF(self.table.font())      # as the view lays a text out
        texts = getattr(model, "texts", None)
        for column in range(model.columnCount()):
            if texts is not None:
                seen = set(texts(column, first, last))
            else:
                seen = {str(model.index(row, column).data() or "")
                        for row in range(first, last + 1)}
            widest = math.ceil(max((metrics.horizontalAdvance(t) for t in seen if t),
                                   default=0))
            if widest:
                self._natural[column] = max(self._natural.get(column, 0), widest + pad)
        self._later.start()

    def _columns(self) -> list[int]:
        return [c for c in range(self.table.model().columnCount())
                if not self.table.isColumnHidden(c)]

    def fit(self) -> None:
        """Give every shown column its width (see the class)."""
        table, header = self.table, self.table.horizontalHeader()
        columns = self._columns()
        if not columns:
            return
        floor = {c: header.sectionSizeHint(c) for c in columns}
        width = {c: self._user.get(c) or max(self._natural.get(c, 0), floor[c])
                 for c in columns}
        excess = sum(width.values()) - table.viewport().width()
        for c in self.elastic:
            if excess <= 0:
                break
            if c in width and c not in self._user:
                give = min(excess, max(width[c] - floor[c], 0))
                width[c] -= give
                excess -= give
        if excess < 0:
            width[columns[-1]] -= excess           # the spare room
        self._fitting = True
        try:
            for c in columns:
                table.setColumnWidth(c, width[c])
        finally:
            self._fitting = False

    def _resized_by_hand(self, column: int, old: int, new: int) -> None:
        if not self._fitting and old > 0 and new > 0:   # not a column hidden or shown
            self._user[column] = new

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self._later.start()
        elif event.type() == QEvent.Type.ToolTip:
            index = self.table.indexAt(event.pos())
            if index.isValid() and index.data(Qt.ItemDataRole.ToolTipRole) is None:
                text = str(index.data() or "")
                room = self.table.columnWidth(index.column()) - self._pad
                if self.table.fontMetrics().horizontalAdvance(text) > room:
                    QToolTip.showText(event.globalPos(), text, self.table.viewport())
                    return True
        return False


def list_table(model, elastic: tuple[int, ...]) -> QTableView:
    """A read-only list of rows, one chosen at a time, one line a row, fitted to its
    width (:class:`FitColumns`, kept as ``table.columns``)."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.columns = FitColumns(table, elastic=elastic)
    return table


class FlowLayout(QLayout):
    """Widgets side by side, going on in a next row when the width runs out (a row
    of filters on a 1024-pixel screen): never wider than its narrowest widget."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._items = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """One row of every widget."""
        items = [i for i in self._items if not i.isEmpty()]
        width = sum(i.sizeHint().width() for i in items) + self._gap() * max(len(items) - 1, 0)
        height = max((i.sizeHint().height() for i in items), default=0)
        margins = self.contentsMargins()
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        """The widest single widget: the others go to the next rows."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _gap(self) -> int:
        spacing = self.spacing()
        if spacing >= 0:
            return spacing
        parent = self.parentWidget()
        style = parent.style() if parent is not None else None
        return style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing) \
            if style is not None else 6

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, row_height = area.x(), area.y(), 0
        gap = self._gap()
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            width = min(hint.width(), area.width())
            if x > area.x() and x + width > area.right() + 1:
                x, y = area.x(), y + row_height + gap
                row_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(width, hint.height())))
            x += width + gap
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y() + margins.bottom()


def documents_folder() -> Path:
    """Where files the user saves are offered first: their Documents folder (the home
    folder when the system has none)."""
    from PySide6.QtCore import QStandardPaths
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(found) if found else Path.home()
    return folder if folder.is_dir() else Path.home()


def open_file(path: Path) -> bool:
    """Open a file (or a folder) with the program the computer uses for its kind."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def save_path(name: str) -> str:
    """The path a save dialog offers for a file called ``name``."""
    return str(documents_folder() / name)


def clock_time() -> str:
    """The time now as a message gives it (14:05)."""
    from datetime import datetime
    return datetime.now().strftime("%H:%M")


def saved_now() -> str:
    """'Disimpan pukul 14:05.': said where a change was just saved."""
    return _("Saved at {time}.").format(time=clock_time())

