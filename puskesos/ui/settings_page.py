"""Settings: the village identity, the officers roster, backup & security, the
services referrals go to (:mod:`.settings_services`) and the exchange keys
(:mod:`.settings_keys`).

Every write goes through the services (which check the role again); after a
write the page announces it on the change bus.  Without the right to manage
settings the page only shows them.  The officers tab is :mod:`.settings_officers`;
the dialogs and the table model are in :mod:`.settings_parts`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QFrame, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSizePolicy, QSpinBox, QTabWidget, QVBoxLayout,
                               QWidget)

from .. import paths
from ..core.permissions import Permission
from ..errors import UserError
from ..i18n import LANGUAGES, _
from ..services import Services
from ..services.context import Actor
from ..services.settings import OfficePreferences, VillageIdentity
from .bus import ChangeBus
from .operations import write
from .settings_keys import ExchangeKeysTab
from .settings_officers import OfficerActions
from .settings_services import ReferralServicesTab
from .settings_parts import (ADDRESS_FIELDS, ERROR_STYLE, HINT_STYLE, LOGO_PREVIEW, OK_STYLE,
                             SECURITY_TAB, SIGNATORY_FIELDS, VILLAGE_FIELDS, VILLAGE_TAB,
                             ChangeVillageDialog, _field_labels, _with_hint,
                             schedule_choices)
from .widgets import clock_time, saved_now


class SettingsPage(OfficerActions, QWidget):
    """Village identity, officers roster, backup & security, the referral services and
    the exchange keys, in five tabs."""

    def __init__(self, services: Services, actor: Actor, bus: ChangeBus | None, parent=None):
        super().__init__(parent)
        self.services, self.actor, self.bus = services, actor, bus
        self.can_edit = actor.can(Permission.MANAGE_SETTINGS)
        self.dialog: QDialog | None = None
        self._loading = False
        self._village_dirty = False
        self._preferences_dirty = False
        self._village = VillageIdentity()
        self._preferences = OfficePreferences()

        title = QLabel(_("Settings"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        self.readonly_note = QLabel(_("Only an administrator can change these settings. You "
                                      "can read them here; ask the administrator if something "
                                      "is wrong."))
        self.readonly_note.setWordWrap(True)
        self.readonly_note.setStyleSheet(
            "background: #fff8e1; border: 1px solid #e0c060; padding: 6px;")
        self.readonly_note.setVisible(not self.can_edit)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_village_tab(), _("Village identity"))
        self.tabs.addTab(self._build_officers_tab(), _("Puskesos officers"))
        # "&" marks a keyboard mnemonic in a tab title; "&&" shows it
        self.tabs.addTab(self._build_security_tab(),
                         _("Backup & security").replace("&", "&&"))
        self.services_tab = ReferralServicesTab(services, actor, self.can_edit, self._announce)
        self.tabs.addTab(self.services_tab, _("Referral services"))
        self.keys_tab = ExchangeKeysTab(services, actor, self._announce)
        self.tabs.addTab(self.keys_tab, _("Exchange keys"))

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.readonly_note)
        layout.addWidget(self.tabs, 1)

        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_shortcut.activated.connect(self.save_current)
        self.save_shortcut.setEnabled(self.can_edit)

        if not self.can_edit:
            self._make_read_only()
        if bus is not None:
            bus.data_changed.connect(self._on_data_changed)
        self.reload()

    # ------------------------------------------------------------ building
    @staticmethod
    def _scrolled(content: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(content)
        # let the tab page show through instead of a grey block
        area.viewport().setAutoFillBackground(False)
        content.setAutoFillBackground(False)
        return area

    @staticmethod
    def _status_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        return label

    def _save_bar(self, button: QPushButton, status: QLabel) -> QHBoxLayout:
        button.setToolTip(_("Save this tab (Ctrl+S)"))
        bar = QHBoxLayout()
        bar.addWidget(status, 1)
        bar.addWidget(button)
        return bar

    def _build_village_tab(self) -> QWidget:
        # the village itself: follows the Kemendagri list, changed only with a reason
        self.village_labels = {key: QLabel() for key in
                               ("desa", "kecamatan", "kabupaten", "provinsi", "code")}
        for label in self.village_labels.values():
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        bold = self.village_labels["desa"].font()
        bold.setBold(True)
        self.village_labels["desa"].setFont(bold)
        self.change_village_button = QPushButton(_("Change village…"))
        self.change_village_button.clicked.connect(self.change_village)
        village_box = QGroupBox(_("Village and region"))
        village_form = QFormLayout(village_box)
        village_form.addRow(_("Village"), self.village_labels["desa"])
        village_form.addRow(_("Kecamatan"), self.village_labels["kecamatan"])
        village_form.addRow(_("Kabupaten/Kota"), self.village_labels["kabupaten"])
        village_form.addRow(_("Provinsi"), self.village_labels["provinsi"])
        village_form.addRow(_("Kemendagri code"), self.village_labels["code"])
        change_row = QHBoxLayout()
        change_row.addWidget(self.change_village_button)
        change_row.addStretch(1)
        village_form.addRow("", change_row)

        # logo
        self.logo_preview = QLabel()
        self.logo_preview.setFixedSize(LOGO_PREVIEW, LOGO_PREVIEW)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo_preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.logo_preview.setWordWrap(True)
        self.choose_logo_button = QPushButton(_("Choose logo…"))
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button = QPushButton(_("Remove logo"))
        self.remove_logo_button.clicked.connect(self.remove_logo)
        self.logo_hint = logo_hint = QLabel(_("PNG or JPG. The logo is saved as soon as you "
                                              "choose it and is printed on letterheads."))
        logo_hint.setWordWrap(True)
        logo_hint.setStyleSheet(HINT_STYLE)
        logo_buttons = QVBoxLayout()
        for button in (self.choose_logo_button, self.remove_logo_button):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            logo_buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        logo_buttons.addWidget(logo_hint)
        logo_buttons.addStretch(1)
        logo_box = QGroupBox(_("Logo"))
        logo_layout = QHBoxLayout(logo_box)
        logo_layout.addWidget(self.logo_preview, 0, Qt.AlignmentFlag.AlignTop)
        logo_layout.addLayout(logo_buttons, 1)

        # editable letterhead fields
        labels = _field_labels()
        self.fields: dict[str, QLineEdit] = {}
        for key in VILLAGE_FIELDS:
            edit = QLineEdit()
            edit.setMaxLength(200)
            edit.textChanged.connect(self._mark_village_dirty)
            self.fields[key] = edit
        self.fields["postal_code"].setMaxLength(5)
        self.fields["postal_code"].setValidator(QRegularExpressionValidator(
            QRegularExpression(r"^[0-9]{0,5}$"), self.fields["postal_code"]))
        self.fields["phone"].setMaxLength(30)
        self.fields["email"].setPlaceholderText(_("for example puskesos@desa.id"))
        for key in ("kepala_desa_nip", "ketua_puskesos_nip"):
            self.fields[key].setMaxLength(30)
            self.fields[key].setValidator(QRegularExpressionValidator(
                QRegularExpression(r"^[0-9 ]*$"), self.fields[key]))
            self.fields[key].setPlaceholderText(_("empty if none"))
        address_box = QGroupBox(_("Office address and contact"))
        address_form = QFormLayout(address_box)
        for key in ADDRESS_FIELDS:
            address_form.addRow(labels[key], self.fields[key])
        signatory_box = QGroupBox(_("Signatories on letters"))
        signatory_form = QFormLayout(signatory_box)
        for key in SIGNATORY_FIELDS:
            signatory_form.addRow(labels[key], self.fields[key])

        grid = QGridLayout()
        grid.addWidget(village_box, 0, 0)
        grid.addWidget(logo_box, 1, 0)
        grid.addWidget(address_box, 0, 1)
        grid.addWidget(signatory_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(2, 1)
        content = QWidget()
        content.setLayout(grid)

        self.save_village_button = QPushButton(_("Save"))
        self.save_village_button.clicked.connect(self.save_village)
        self.village_status = self._status_label()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self._scrolled(content), 1)
        layout.addLayout(self._save_bar(self.save_village_button, self.village_status))
        return tab

    def _build_security_tab(self) -> QWidget:
        self.backup_folder = QLineEdit()
        self.backup_folder.setPlaceholderText(_("Empty: the backup folder beside the database"))
        self.backup_folder.textChanged.connect(self._mark_preferences_dirty)
        self.browse_backup_button = QPushButton(_("Browse…"))
        self.browse_backup_button.clicked.connect(self.browse_backup_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.backup_folder, 1)
        folder_row.addWidget(self.browse_backup_button)
        database = self._database_file()
        folder_hint = QLabel(
            _("Leave it empty to keep backups in {folder}. Choose a USB disk or another "
              "computer's shared folder to keep a copy away from this computer.")
            .format(folder=database.parent / "backup") if database else
            _("This database is on a PostgreSQL server; back it up on the server."))
        folder_hint.setWordWrap(True)
        folder_hint.setStyleSheet(HINT_STYLE)

        self.backup_schedule = QComboBox()
        for value, label in schedule_choices():
            self.backup_schedule.addItem(label, value)
        self.backup_schedule.currentIndexChanged.connect(self._mark_preferences_dirty)
        self.idle_lock = QSpinBox()
        self.idle_lock.setRange(0, 240)
        self.idle_lock.setSingleStep(5)
        self.idle_lock.setSuffix(" " + _("minutes"))
        self.idle_lock.setSpecialValueText(_("Never"))
        self.idle_lock.valueChanged.connect(self._mark_preferences_dirty)
        idle_hint = QLabel(_("After this many minutes without use the program locks and asks "
                             "for the password again. 0 = never."))
        idle_hint.setWordWrap(True)
        idle_hint.setStyleSheet(HINT_STYLE)
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.currentIndexChanged.connect(self._mark_preferences_dirty)
        language_hint = QLabel(_("A new language is used after the program is restarted."))
        language_hint.setWordWrap(True)
        language_hint.setStyleSheet(HINT_STYLE)

        for widget in (self.backup_schedule, self.idle_lock, self.language):
            widget.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.idle_lock.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 10)

        backup_box = QGroupBox(_("Backup"))
        backup_form = QFormLayout(backup_box)
        backup_form.addRow(_("Backup folder"), _with_hint(folder_row, folder_hint))
        backup_form.addRow(_("Automatic backup"), self.backup_schedule)
        security_box = QGroupBox(_("Security and language"))
        security_form = QFormLayout(security_box)
        security_form.addRow(_("Lock when idle after"), _with_hint(self.idle_lock, idle_hint))
        security_form.addRow(_("Language"), _with_hint(self.language, language_hint))

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(backup_box)
        column.addWidget(security_box)
        column.addStretch(1)
        content.setMaximumWidth(900)

        self.save_preferences_button = QPushButton(_("Save"))
        self.save_preferences_button.clicked.connect(self.save_preferences)
        self.preferences_status = self._status_label()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self._scrolled(content), 1)
        layout.addLayout(self._save_bar(self.save_preferences_button, self.preferences_status))
        return tab

    def _make_read_only(self) -> None:
        for widget in (*self.fields.values(), self.backup_folder, self.backup_schedule,
                       self.idle_lock, self.language):
            widget.setEnabled(False)
        for edit in (*self.fields.values(), self.backup_folder):
            edit.setPlaceholderText("")
        self.logo_hint.hide()
        # disabled fields are there to be read: keep their text dark
        self.setStyleSheet("QLineEdit:disabled, QComboBox:disabled, QSpinBox:disabled "
                           "{ color: #303030; }")
        for button in (self.change_village_button, self.choose_logo_button,
                       self.remove_logo_button, self.save_village_button,
                       self.add_officer_button, self.edit_officer_button,
                       self.deactivate_officer_button, self.reactivate_officer_button,
                       self.browse_backup_button, self.save_preferences_button):
            button.setEnabled(False)
            button.hide()

    # ------------------------------------------------------------ state
    def _database_file(self) -> Path | None:
        url = self.services.db.engine.url
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return None
        return Path(url.database).resolve()

    def _mark_village_dirty(self, *_args) -> None:
        if not self._loading:
            self._village_dirty = True

    def _mark_preferences_dirty(self, *_args) -> None:
        if not self._loading:
            self._preferences_dirty = True

    def has_unsaved_changes(self) -> bool:
        return self._village_dirty or self._preferences_dirty or self.services_tab.dirty

    def reload(self) -> None:
        """Show the stored settings again (unsaved edits are dropped)."""
        self._load_village(fields_too=True)
        self._load_officers()
        self._load_preferences()

    def _on_data_changed(self, kind: str, ids: list) -> None:
        if kind == "setting":
            self._load_village(fields_too=not self._village_dirty)
            if not self._preferences_dirty:
                self._load_preferences()
        elif kind == "officer":
            self._load_officers()

    def _load_village(self, fields_too: bool) -> None:
        v = self._village = self.services.settings.village()
        self.village_labels["desa"].setText(v.title)
        self.village_labels["kecamatan"].setText(v.kecamatan)
        self.village_labels["kabupaten"].setText(v.kabupaten)
        self.village_labels["provinsi"].setText(v.provinsi)
        self.village_labels["code"].setText(v.code)
        self._show_logo(v.logo_path)
        if fields_too:
            self._loading = True
            try:
                for key, edit in self.fields.items():
                    edit.setText(getattr(v, key) or "")
            finally:
                self._loading = False
            self._village_dirty = False

    def _show_logo(self, path: str) -> None:
        self.logo_preview.setPixmap(QPixmap())
        self.remove_logo_button.setEnabled(self.can_edit and bool(path))
        if not path:
            self.logo_preview.setText(_("No logo"))
            self.logo_preview.setToolTip("")
            return
        image = QImage(path) if Path(path).is_file() else QImage()
        if image.isNull():
            self.logo_preview.setText(_("Logo file not found"))
        else:
            self.logo_preview.setPixmap(QPixmap.fromImage(image).scaled(
                LOGO_PREVIEW - 8, LOGO_PREVIEW - 8, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        self.logo_preview.setToolTip(path)

    def _load_preferences(self) -> None:
        p = self._preferences = self.services.settings.preferences()
        self._loading = True
        try:
            self.backup_folder.setText(p.backup_folder)
            self.backup_schedule.setCurrentIndex(max(0, self.backup_schedule.findData(
                p.backup_schedule)))
            self.idle_lock.setValue(int(p.idle_lock_minutes))
            self.language.setCurrentIndex(max(0, self.language.findData(p.language)))
        finally:
            self._loading = False
        self._preferences_dirty = False

    def _status(self, label: QLabel, text: str, error: bool = False) -> None:
        label.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        label.setText(text)

    def _announce(self, kind: str, ids: list[str] | None = None) -> None:
        if self.bus is not None:
            self.bus.changed(kind, ids)

    def _open(self, dialog: QDialog, on_accept: Callable[[], None]) -> QDialog:
        """Show ``dialog`` window-modal without blocking; ``self.dialog`` holds it."""
        self.dialog = dialog

        def finished(_result: int) -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.accepted.connect(on_accept)
        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    # ------------------------------------------------------------ saving
    def save_current(self) -> bool:
        """Save the tab on show (Ctrl+S); the officers tab saves in its dialogs."""
        index = self.tabs.currentIndex()
        if index == VILLAGE_TAB:
            return self.save_village()
        if index == SECURITY_TAB:
            return self.save_preferences()
        if self.tabs.widget(index) is self.services_tab:
            return self.services_tab.save()
        return False

    def save_village(self) -> bool:
        if not self.can_edit:
            return False
        values = {key: " ".join(edit.text().split()) for key, edit in self.fields.items()}
        current = asdict(self.services.settings.village())
        changes = {k: v for k, v in values.items() if (current.get(k) or "") != v}
        if not changes:
            self._village_dirty = False
            self._status(self.village_status, _("Nothing to save: no field was changed."))
            return True
        try:
            write(self, lambda: self.services.settings.update_village(actor=self.actor,
                                                                      **changes))
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        self._village_dirty = False
        self._announce("setting")
        self._load_village(fields_too=True)
        self._status(self.village_status, saved_now())
        return True

    def save_preferences(self) -> bool:
        if not self.can_edit:
            return False
        folder = self.backup_folder.text().strip()
        try:
            schedule, idle, language = (self.backup_schedule.currentData(),
                                        self.idle_lock.value(), self.language.currentData())
            write(self, lambda: self.services.settings.update_preferences(
                actor=self.actor, backup_folder=folder, backup_schedule=schedule,
                idle_lock_minutes=idle, language=language))
        except UserError as exc:
            self._status(self.preferences_status, exc.message, error=True)
            return False
        self._preferences_dirty = False
        self._announce("setting")
        self._load_preferences()
        self._status(self.preferences_status, saved_now())
        return True

    def browse_backup_folder(self) -> None:
        start = self.backup_folder.text().strip() or str(
            (self._database_file() or paths.data_dir() / "x").parent)
        folder = QFileDialog.getExistingDirectory(self, _("Choose the backup folder"), start)
        if folder:
            self.backup_folder.setText(folder)

    # ------------------------------------------------------------ village and logo
    def change_village(self) -> QDialog | None:
        if not self.can_edit:
            return None
        dialog = ChangeVillageDialog(self.services, self.actor, self)

        def done() -> None:
            self._announce("setting")
            self._announce("household")
            self._load_village(fields_too=not self._village_dirty)
            v = dialog.identity or self.services.settings.village()
            self._status(self.village_status, _("The village is now {village}.").format(
                village=f"{v.title} ({v.code})"))

        return self._open(dialog, done)

    def logo_folder(self) -> Path:
        """Where a chosen logo is copied (the settings service decides)."""
        return self.services.settings.logo_folder()

    def choose_logo(self) -> bool:
        if not self.can_edit:
            return False
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose the village logo"), str(self.logo_folder()),
            _("Pictures (*.png *.jpg *.jpeg)"))
        return self.set_logo_file(path) if path else False

    def set_logo_file(self, path: str) -> bool:
        """Take the picture at ``path`` as the logo (the service checks and copies it)."""
        if not self.can_edit:
            return False
        try:
            write(self, lambda: self.services.settings.import_logo(actor=self.actor,
                                                                   source=path))
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        return self._logo_stored(_("Logo saved at {time}.").format(time=clock_time()))

    def remove_logo(self) -> bool:
        if not self.can_edit or not self.services.settings.village().logo_path:
            return False
        return self._store_logo("", _("The logo is removed; letters print without it."))

    def _store_logo(self, path: str, message: str) -> bool:
        try:
            write(self, lambda: self.services.settings.update_village(actor=self.actor,
                                                                      logo_path=path))
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        return self._logo_stored(message)

    def _logo_stored(self, message: str) -> bool:
        self._announce("setting")
        self._load_village(fields_too=not self._village_dirty)
        self._status(self.village_status, message)
        return True
