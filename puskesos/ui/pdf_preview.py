"""Preview of a produced document (QtPdf), print through QPrinter, save as PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QMessageBox, QProgressDialog, QPushButton, QVBoxLayout)

from ..errors import UserError
from ..files import write_bytes
from ..i18n import _
from ..services.documents import Document
from .jobs import show_error
from .widgets import dialog_buttons, documents_folder, fit_size

#: the printer resolution: a fixed DPI so a page looks the same on every printer
PRINT_DPI = 300


class PdfPreview(QDialog):
    def __init__(self, document: Document, parent=None, *, folder: str | None = None):
        super().__init__(parent)
        self.document = document
        self.folder = folder or str(documents_folder())
        self.saved_to: Path | None = None
        self.printed = False
        self.print_progress: QProgressDialog | None = None   # while printing
        title = document.title + (f" — {document.letter_number}" if document.letter_number
                                  else "")
        self.setWindowTitle(title)
        fit_size(self, 900, 1000)
        self._bytes = QByteArray(document.pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf = QPdfDocument(self)
        self.pdf.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.pdf)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        info = QLabel(_("{pages} pages · {title}").format(pages=document.pages,
                                                          title=title))
        info.setObjectName("previewInfo")
        # where the PDF was saved, said in the dialog (no second window to close)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.saved_label.hide()
        self.print_button = QPushButton(_("&Print…"))
        self.save_button = QPushButton(_("&Save PDF…"))
        self.print_button.clicked.connect(lambda: self.print_document())  # not clicked's bool
        self.save_button.clicked.connect(self.save_pdf)
        buttons = dialog_buttons(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(info, 1)
        top.addWidget(self.print_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.saved_label)
        layout.addWidget(buttons)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_pdf)

    def page_count(self) -> int:
        return self.pdf.pageCount()

    def save_pdf(self, path: str | None = None) -> Path | None:
        if not path:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save PDF"), str(Path(self.folder) / self.document.filename),
                _("PDF files (*.pdf)"))
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            write_bytes(Path(path), self.document.pdf)
        except UserError as exc:
            show_error(self, exc)
            return None
        self.saved_to = Path(path)
        self.saved_label.setText(_("Saved to {path}.").format(path=self.saved_to))
        self.saved_label.show()
        return self.saved_to

    def make_printer(self) -> QPrinter:
        """A printer at the fixed resolution with the paper size of the document."""
        from PySide6.QtCore import QSizeF
        from PySide6.QtGui import QPageLayout, QPageSize
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(PRINT_DPI)
        printer.setDocName(self.document.title)
        printer.setFullPage(True)
        if self.pdf.pageCount():
            size = self.pdf.pagePointSize(0)
            landscape = size.width() > size.height()
            page = QPageSize(QSizeF(min(size.width(), size.height()),
                                    max(size.width(), size.height())), QPageSize.Unit.Point)
            printer.setPageSize(page)
            printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                                       else QPageLayout.Orientation.Portrait)
        return printer

    def print_document(self, printer: QPrinter | None = None) -> bool:
        if printer is None:
            printer = self.make_printer()
            dialog = QPrintDialog(printer, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
        return self.print_to(printer)

    def print_to(self, printer: QPrinter) -> bool:
        """Draw every page at the printer's fixed resolution, scaled to the paper.

        A long document shows a progress dialog (page n of N) with Cancel; the
        window stays responsive between pages."""
        painter = QPainter()
        if not painter.begin(printer):
            show_error(self, UserError(_("The printer could not be opened. Check that it is "
                                         "switched on, or save the PDF and print it later.")))
            return False
        first, last = 0, self.pdf.pageCount() - 1
        if printer.fromPage() > 0:
            first, last = printer.fromPage() - 1, min(last, printer.toPage() - 1)
        total = last - first + 1
        progress = QProgressDialog(_("Preparing the pages for the printer…"), _("Cancel"),
                                   0, total, self)
        progress.setWindowTitle(_("Printing"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        self.print_progress = progress
        cancelled = False
        try:
            target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
            options = QPdfDocumentRenderOptions()
            for done, number in enumerate(range(first, last + 1)):
                progress.setLabelText(_("Page {n} of {total} is going to the printer…")
                                      .format(n=done + 1, total=total))
                progress.setValue(done)          # also lets the window repaint
                if progress.wasCanceled():
                    cancelled = True
                    printer.abort()
                    break
                if number > first:
                    printer.newPage()
                size_pt = self.pdf.pagePointSize(number)
                scale = printer.resolution() / 72.0
                image = self.pdf.render(number, QSize(int(size_pt.width() * scale),
                                                      int(size_pt.height() * scale)), options)
                # keep the proportions: a page never comes out stretched on other paper
                fit = min(target.width() / image.width(), target.height() / image.height())
                width, height = int(image.width() * fit), int(image.height() * fit)
                x = target.x() + (target.width() - width) // 2
                y = target.y() + (target.height() - height) // 2
                painter.drawImage(QRect(x, y, width, height), image)
                self.page_printed(done + 1, total)
        finally:
            painter.end()
            progress.setValue(total)
            progress.close()
            progress.deleteLater()
            self.print_progress = None
        if cancelled:
            QMessageBox.information(self, _("Printing"), _(
                "Printing was cancelled. Pages already sent to the printer may still come "
                "out; print again to get the whole document."))
            return False
        self.printed = True
        return True

    def page_printed(self, done: int, total: int) -> None:
        """Called after each page sent to the printer (tests watch it)."""
