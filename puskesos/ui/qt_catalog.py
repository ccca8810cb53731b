"""Qt's own texts in Indonesian: standard buttons, the file dialog, context menus.

PySide6 ships no Indonesian catalogue for Qt itself (no ``qtbase_id.qm``), so
dialog buttons said "Save", "Discard" and "Cancel" in an Indonesian window.
:class:`QtCatalog` is a translator that answers Qt's requests from the table
below; :func:`install` puts it on the application when the program speaks
Indonesian.  Native file dialogs (Windows) follow the system's language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from .. import i18n

#: (Qt's context, Qt's English text) -> Indonesian; "&" marks the shortcut letter
INDONESIAN: dict[tuple[str, str], str] = {
    # standard buttons (message boxes, button boxes)
    ("QPlatformTheme", "OK"): "OK",
    ("QPlatformTheme", "Save"): "Simpan",
    ("QPlatformTheme", "Save All"): "Simpan semua",
    ("QPlatformTheme", "Open"): "Buka",
    ("QPlatformTheme", "&Yes"): "&Ya",
    ("QPlatformTheme", "Yes to &All"): "Ya untuk &semua",
    ("QPlatformTheme", "&No"): "&Tidak",
    ("QPlatformTheme", "N&o to All"): "Tidak untuk s&emua",
    ("QPlatformTheme", "Abort"): "Hentikan",
    ("QPlatformTheme", "Retry"): "Coba lagi",
    ("QPlatformTheme", "Ignore"): "Abaikan",
    ("QPlatformTheme", "Close"): "Tutup",
    ("QPlatformTheme", "Cancel"): "Batal",
    ("QPlatformTheme", "Discard"): "Buang",
    ("QPlatformTheme", "Don't Save"): "Jangan simpan",
    ("QPlatformTheme", "Close without Saving"): "Tutup tanpa menyimpan",
    ("QPlatformTheme", "Help"): "Bantuan",
    ("QPlatformTheme", "Apply"): "Terapkan",
    ("QPlatformTheme", "Reset"): "Atur ulang",
    ("QPlatformTheme", "Restore Defaults"): "Kembalikan bawaan",
    ("QMessageBox", "Show Details..."): "Tampilkan rincian…",
    ("QMessageBox", "Hide Details..."): "Sembunyikan rincian…",
    ("QProgressDialog", "Cancel"): "Batal",
    ("QInputDialog", "Enter a value:"): "Isi nilainya:",
    # the file dialog (where the system's own dialog is not used)
    ("QFileDialog", "&Open"): "&Buka",
    ("QFileDialog", "&Save"): "&Simpan",
    ("QFileDialog", "&Choose"): "&Pilih",
    ("QFileDialog", "&Look in:"): "&Cari di:",
    ("QFileDialog", "File &name:"): "&Nama berkas:",
    ("QFileDialog", "Files of &type:"): "&Jenis berkas:",
    ("QFileDialog", "Directory:"): "Folder:",
    ("QFileDialog", "Directories"): "Folder",
    ("QFileDialog", "Files"): "Berkas",
    ("QFileDialog", "All Files (*)"): "Semua berkas (*)",
    ("QFileDialog", "Back"): "Kembali",
    ("QFileDialog", "Forward"): "Maju",
    ("QFileDialog", "Go back"): "Kembali",
    ("QFileDialog", "Go forward"): "Maju",
    ("QFileDialog", "Parent Directory"): "Folder di atasnya",
    ("QFileDialog", "Go to the parent directory"): "Ke folder di atasnya",
    ("QFileDialog", "Create New Folder"): "Buat folder baru",
    ("QFileDialog", "Create a New Folder"): "Buat folder baru",
    ("QFileDialog", "&New Folder"): "Folder &baru",
    ("QFileDialog", "New Folder"): "Folder baru",
    ("QFileDialog", "&Rename"): "&Ganti nama",
    ("QFileDialog", "&Delete"): "&Hapus",
    ("QFileDialog", "Show &hidden files"): "Tampilkan berkas &tersembunyi",
    ("QFileDialog", "List View"): "Daftar",
    ("QFileDialog", "Detail View"): "Rincian",
    ("QFileDialog", "Change to list view mode"): "Tampilkan sebagai daftar",
    ("QFileDialog", "Change to detail view mode"): "Tampilkan rincian",
    ("QFileDialog", "List of places and bookmarks"): "Daftar tempat dan penanda",
    ("QFileDialog", "Sidebar"): "Panel samping",
    ("QFileDialog", "Recent Places"): "Tempat terakhir",
    ("QFileDialog", "My Computer"): "Komputer",
    ("QFileDialog", "Computer"): "Komputer",
    ("QFileDialog", "%1 already exists.\nDo you want to replace it?"):
        "%1 sudah ada.\nGanti dengan yang baru?",
    ("QFileDialog", "Are you sure you want to delete '%1'?"): "Yakin akan menghapus '%1'?",
    ("QFileDialog", "'%1' is write protected.\nDo you want to delete it anyway?"):
        "'%1' dilindungi dari perubahan.\nTetap hapus?",
    ("QFileDialog", "Could not delete directory."): "Folder tidak dapat dihapus.",
    ("QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."):
        "%1\nBerkas tidak ditemukan.\nPeriksa nama berkasnya.",
    ("QFileDialog", "%1\nDirectory not found.\nPlease verify the correct directory name "
                    "was given."):
        "%1\nFolder tidak ditemukan.\nPeriksa nama foldernya.",
    ("QFileSystemModel", "Name"): "Nama",
    ("QFileSystemModel", "Size"): "Ukuran",
    ("QFileSystemModel", "Type"): "Jenis",
    ("QFileSystemModel", "Date Modified"): "Diubah",
    ("QFileSystemModel", "Computer"): "Komputer",
    ("QFileSystemModel", "My Computer"): "Komputer",
    ("QAbstractFileIconProvider", "Folder"): "Folder",
    ("QAbstractFileIconProvider", "Drive"): "Drive",
    ("QAbstractFileIconProvider", "File"): "Berkas",
    # context menus of text fields and number fields
    ("QLineEdit", "&Undo"): "&Urungkan",
    ("QLineEdit", "&Redo"): "U&langi",
    ("QLineEdit", "Cu&t"): "&Potong",
    ("QLineEdit", "&Copy"): "&Salin",
    ("QLineEdit", "&Paste"): "T&empel",
    ("QLineEdit", "Delete"): "Hapus",
    ("QLineEdit", "Select All"): "Pilih semua",
    ("QWidgetTextControl", "&Undo"): "&Urungkan",
    ("QWidgetTextControl", "&Redo"): "U&langi",
    ("QWidgetTextControl", "Cu&t"): "&Potong",
    ("QWidgetTextControl", "&Copy"): "&Salin",
    ("QWidgetTextControl", "&Paste"): "T&empel",
    ("QWidgetTextControl", "Delete"): "Hapus",
    ("QWidgetTextControl", "Select All"): "Pilih semua",
    ("QWidgetTextControl", "Copy &Link Location"): "Salin &alamat tautan",
    ("QAbstractSpinBox", "&Select All"): "&Pilih semua",
    ("QAbstractSpinBox", "&Step up"): "&Naik",
    ("QAbstractSpinBox", "Step &down"): "&Turun",
    ("QScrollBar", "Scroll here"): "Gulir ke sini",
    ("QScrollBar", "Top"): "Paling atas",
    ("QScrollBar", "Bottom"): "Paling bawah",
    ("QScrollBar", "Page up"): "Halaman sebelumnya",
    ("QScrollBar", "Page down"): "Halaman berikutnya",
    ("QScrollBar", "Scroll up"): "Gulir ke atas",
    ("QScrollBar", "Scroll down"): "Gulir ke bawah",
    ("QScrollBar", "Left edge"): "Paling kiri",
    ("QScrollBar", "Right edge"): "Paling kanan",
    ("QScrollBar", "Page left"): "Halaman kiri",
    ("QScrollBar", "Page right"): "Halaman kanan",
    ("QScrollBar", "Scroll left"): "Gulir ke kiri",
    ("QScrollBar", "Scroll right"): "Gulir ke kanan",
}


class QtCatalog(QTranslator):
    """Answers Qt's requests for its own texts from :data:`INDONESIAN`."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        return INDONESIAN.get((context, source), "")

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


_installed: QtCatalog | None = None


def install(app: QCoreApplication) -> bool:
    """Put the catalogue on ``app`` when the program speaks Indonesian (else take it
    off); True when it is on."""
    global _installed
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if i18n.get_language() != "id":
        return False
    _installed = QtCatalog(app)
    app.installTranslator(_installed)
    return True
