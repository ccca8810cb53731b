"""Settings: the village identity, the officers roster, and backup & security.

Every write goes through the services (which check the role again); after a
write the page announces it on the change bus.  Without the right to manage
settings the page only shows them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import (QColor, QImage, QKeySequence, QPixmap,
                           QRegularExpressionValidator, QShortcut)
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSizePolicy, QSpinBox, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from .. import paths
from ..core.codes import OfficerRole
from ..core.permissions import Permission
from ..core.regions import regions
from ..errors import UserError
from ..i18n import LANGUAGES, _
from ..services import Services
from ..services.context import Actor
from ..services.settings import OfficePreferences, OfficerDTO, VillageIdentity
from .bus import ChangeBus
from .region_picker import RegionPicker
from .table_model import DtoTableModel

VILLAGE_TAB, OFFICERS_TAB, SECURITY_TAB = range(3)

#: the editable village fields, in the order they are shown
ADDRESS_FIELDS = ("address", "postal_code", "phone", "email")
SIGNATORY_FIELDS = ("kepala_desa", "kepala_desa_nip", "ketua_puskesos", "ketua_puskesos_nip")
VILLAGE_FIELDS = ADDRESS_FIELDS + SIGNATORY_FIELDS

#: the logo's preview size (px)
LOGO_PREVIEW = 112

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
HINT_STYLE = "color: #555555;"


def _field_labels() -> dict[str, str]:
    return {
        "address": _("Office address"),
        "postal_code": _("Postal code"),
        "phone": _("Office phone"),
        "email": _("E-mail"),
        "kepala_desa": _("Village head (Kepala Desa)"),
        "kepala_desa_nip": _("NIP of the village head"),
        "ketua_puskesos": _("Puskesos chair (Ketua)"),
        "ketua_puskesos_nip": _("NIP of the Puskesos chair"),
    }


def schedule_choices() -> list[tuple[str, str]]:
    """(stored value, shown label) of the automatic backup schedule."""
    return [("off", _("Off (no automatic backup)")),
            ("daily", _("Daily (when the program starts)")),
            ("weekly", _("Weekly (when the program starts)"))]


def _now() -> str:
    return datetime.now().strftime("%H:%M")


def _with_hint(field, hint: QLabel) -> QWidget:
    """A form field with a grey explanation right under it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    if isinstance(field, QWidget):
        layout.addWidget(field, 0, Qt.AlignmentFlag.AlignLeft
                         if field.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Fixed
                         else Qt.AlignmentFlag(0))
    else:
        layout.addLayout(field)
    layout.addWidget(hint)
    return box


# ---------------------------------------------------------------- officers model
def _officer_columns() -> tuple[tuple[str, Callable[[OfficerDTO], str]], ...]:
    return (
        (_("Name"), lambda o: o.name),
        (_("Role"), lambda o: OfficerRole.label_of(o.role)),
        (_("Phone"), lambda o: o.phone or ""),
        (_("NIP/NIK"), lambda o: o.nip or ""),
        (_("Active"), lambda o: _("Yes") if o.active else _("No")),
    )


class OfficerTableModel(DtoTableModel):
    """Rows are :class:`OfficerDTO`; replace them with :meth:`set_rows`."""

    def __init__(self, parent=None):
        super().__init__(_officer_columns(), parent)

    def row_of(self, officer_id: str) -> int:
        """Row number of an officer, or -1."""
        return next((i for i, o in enumerate(self._rows) if o.id == officer_id), -1)

    def extra(self, officer: OfficerDTO, column: int, role):
        if role == Qt.ItemDataRole.ForegroundRole and not officer.active:
            return QColor("#808080")
        if role == Qt.ItemDataRole.ToolTipRole and not officer.active:
            return _("No longer active. Select the row and press Reactivate to bring "
                     "this officer back.")
        return None


# ---------------------------------------------------------------- dialogs
class _FormDialog(QDialog):
    """A dialog whose OK button calls :meth:`_apply`; a UserError keeps it open."""

    def __init__(self, title: str, ok_text: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def _show(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else HINT_STYLE)
        self.message.setText(text)

    def _apply(self) -> None:
        raise NotImplementedError

    def _submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        try:
            self._apply()
        except UserError as exc:
            self._show(exc.message)
            return
        self.accept()


class ChangeVillageDialog(_FormDialog):
    """Correct the village chosen at first start; a reason is required."""

    def __init__(self, services: Services, actor: Actor, parent=None):
        super().__init__(_("Change village"), _("Change village"), parent)
        self._services, self._actor = services, actor
        self.identity: VillageIdentity | None = None
        self.setMinimumWidth(640)
        current = services.settings.village()
        path = regions().path(current.code) if current.code else None
        intro = QLabel(_("Use this only to correct a wrong village. Households registered "
                         "in the current village move with it, and the change is kept in "
                         "the audit trail."))
        intro.setWordWrap(True)
        now = QLabel(_("Current village: {village}").format(
            village=f"{path.label}  ({current.code})" if path else current.code or "-"))
        now.setWordWrap(True)
        self.picker = RegionPicker(level="desa")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("Why is the village changed? (required)"))
        self.reason.setMaxLength(500)
        self._current_code = current.code

        form = QFormLayout()
        form.addRow(_("New village"), self.picker)
        form.addRow(_("Reason"), self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(now)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.picker.searched.connect(self._searched)
        self.picker.selection_changed.connect(lambda _c: self._update_ok())
        self.reason.textChanged.connect(lambda _t: self._update_ok())
        self._update_ok()
        self.picker.search.setFocus()

    def _searched(self, text: str, count: int) -> None:
        if count == 0:
            self._show(_("No village matches '{text}'.").format(text=text))

    def _problem(self) -> str | None:
        code = self.picker.selected_code()
        if not code:
            return _("Search for the village and choose it from the list.")
        if code == self._current_code:
            return _("This is already the village of this database.")
        if not self.reason.text().strip():
            return _("Give a reason for this change.")
        return None

    def _update_ok(self) -> None:
        problem = self._problem()
        self.ok_button.setEnabled(problem is None)
        self._show(problem or "", error=False)

    def _apply(self) -> None:
        self.identity = self._services.settings.change_village(
            actor=self._actor, village_code=self.picker.selected_code() or "",
            reason=self.reason.text().strip())


class OfficerDialog(_FormDialog):
    """Add an officer, or correct one (``officer`` given)."""

    def __init__(self, services: Services, actor: Actor, officer: OfficerDTO | None = None,
                 parent=None):
        editing = officer is not None
        super().__init__(_("Edit officer") if editing else _("Add officer"),
                         _("Save") if editing else _("Add"), parent)
        self._services, self._actor, self._officer = services, actor, officer
        self.result_officer: OfficerDTO | None = None
        self.setMinimumWidth(460)

        self.name = QLineEdit(officer.name if officer else "")
        self.name.setMaxLength(120)
        self.role = QComboBox()
        for code, label in OfficerRole.choices():
            self.role.addItem(label, code)
        if officer is not None:
            index = self.role.findData(officer.role)
            if index >= 0:
                self.role.setCurrentIndex(index)
        else:
            self.role.setCurrentIndex(-1)
            self.role.setPlaceholderText(_("Choose a role"))
        self.phone = QLineEdit((officer.phone or "") if officer else "")
        self.phone.setMaxLength(20)
        self.phone.setPlaceholderText(_("for example 081234567890"))
        self.phone.setValidator(QRegularExpressionValidator(
            QRegularExpression(r"^\+?[0-9 -]*$"), self.phone))
        self.nip = QLineEdit((officer.nip or "") if officer else "")
        self.nip.setMaxLength(30)
        self.nip.setValidator(QRegularExpressionValidator(QRegularExpression(r"^[0-9 ]*$"),
                                                          self.nip))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(_("optional"))

        form = QFormLayout()
        form.addRow(_("Name"), self.name)
        form.addRow(_("Role"), self.role)
        form.addRow(_("Phone"), self.phone)
        form.addRow(_("NIP/NIK"), self.nip)
        if editing:
            form.addRow(_("Reason for the change"), self.reason)
        else:
            self.reason.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.name.textChanged.connect(lambda _t: self._update_ok())
        self.role.currentIndexChanged.connect(lambda _i: self._update_ok())
        self._update_ok()

    def set_role(self, code: str) -> None:
        self.role.setCurrentIndex(self.role.findData(code))

    def _update_ok(self) -> None:
        problem = None
        if not self.name.text().strip():
            problem = _("Type the officer's name.")
        elif self.role.currentIndex() < 0:
            problem = _("Choose the officer's role.")
        self.ok_button.setEnabled(problem is None)
        self._show(problem or "", error=False)

    def _apply(self) -> None:
        fields = dict(name=self.name.text(), role=self.role.currentData() or "",
                      phone=self.phone.text(), nip=self.nip.text())
        if self._officer is None:
            self.result_officer = self._services.officers.add(actor=self._actor, **fields)
        else:
            self.result_officer = self._services.officers.update(
                actor=self._actor, officer_id=self._officer.id,
                reason=self.reason.text().strip() or None, **fields)


class ReasonDialog(_FormDialog):
    """Ask for a required reason, then call ``submit(reason)``."""

    def __init__(self, title: str, prompt: str, ok_text: str,
                 submit: Callable[[str], object], parent=None):
        super().__init__(title, ok_text, parent)
        self._submit_fn = submit
        self.setMinimumWidth(460)
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(
            lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(False)

    def _apply(self) -> None:
        self._submit_fn(self.reason.text().strip())


# ---------------------------------------------------------------- the page
class SettingsPage(QWidget):
    """Village identity, officers roster, and backup & security, in three tabs."""

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

    def _build_officers_tab(self) -> QWidget:
        self.officer_model = OfficerTableModel(self)
        self.officer_table = QTableView()
        self.officer_table.setModel(self.officer_model)
        self.officer_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.officer_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.officer_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.officer_table.setAlternatingRowColors(True)
        self.officer_table.verticalHeader().setVisible(False)
        self.officer_table.horizontalHeader().setStretchLastSection(False)
        self.officer_table.horizontalHeader().setHighlightSections(False)
        self.officer_table.doubleClicked.connect(lambda _i: self.edit_officer())
        self.officer_table.selectionModel().selectionChanged.connect(
            lambda *_a: self._update_officer_buttons())

        self.add_officer_button = QPushButton(_("Add…"))
        self.add_officer_button.clicked.connect(self.add_officer)
        self.edit_officer_button = QPushButton(_("Edit…"))
        self.edit_officer_button.clicked.connect(self.edit_officer)
        self.deactivate_officer_button = QPushButton(_("Deactivate…"))
        self.deactivate_officer_button.clicked.connect(self.deactivate_officer)
        self.reactivate_officer_button = QPushButton(_("Reactivate"))
        self.reactivate_officer_button.clicked.connect(self.reactivate_officer)
        buttons = QHBoxLayout()
        for button in (self.add_officer_button, self.edit_officer_button,
                       self.deactivate_officer_button, self.reactivate_officer_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        hint = QLabel(_("TKSK, PSM, pendamping and kader who work with the Puskesos. A change "
                        "is saved as soon as you confirm its dialog; officers who leave are "
                        "deactivated, not deleted."))
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.officers_status = self._status_label()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(hint)
        layout.addWidget(self.officer_table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.officers_status)
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
        return self._village_dirty or self._preferences_dirty

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
        self.village_labels["desa"].setText(f"{v.desa_kind} {v.desa}".strip())
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

    def _load_officers(self) -> None:
        selected = self.selected_officer()
        self.officer_model.set_rows(self.services.officers.roster(include_inactive=True,
                                                                  actor=self.actor))
        self._size_officer_columns()
        if selected is not None:
            self.select_officer(selected.id)
        self._update_officer_buttons()

    def _size_officer_columns(self) -> None:
        """Fit the columns to their text, with room to breathe and sensible minimums."""
        self.officer_table.resizeColumnsToContents()
        em = self.fontMetrics().horizontalAdvance("M")
        for column, minimum in enumerate((18 * em, 14 * em, 11 * em, 14 * em, 6 * em)):
            width = self.officer_table.columnWidth(column) + 2 * em
            self.officer_table.setColumnWidth(column, max(width, minimum))

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
            self.services.settings.update_village(actor=self.actor, **changes)
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        self._village_dirty = False
        self._announce("setting")
        self._load_village(fields_too=True)
        self._status(self.village_status, _("Saved at {time}.").format(time=_now()))
        return True

    def save_preferences(self) -> bool:
        if not self.can_edit:
            return False
        folder = self.backup_folder.text().strip()
        if folder and not Path(folder).is_dir():
            self._status(self.preferences_status, _(
                "The folder {folder} does not exist. Choose an existing folder, or leave "
                "the field empty.").format(folder=folder), error=True)
            return False
        try:
            self.services.settings.update_preferences(
                actor=self.actor, backup_folder=folder,
                backup_schedule=self.backup_schedule.currentData(),
                idle_lock_minutes=self.idle_lock.value(),
                language=self.language.currentData())
        except UserError as exc:
            self._status(self.preferences_status, exc.message, error=True)
            return False
        self._preferences_dirty = False
        self._announce("setting")
        self._load_preferences()
        self._status(self.preferences_status, _("Saved at {time}.").format(time=_now()))
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
                village=f"{v.desa_kind} {v.desa} ({v.code})"))

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
            self.services.settings.import_logo(actor=self.actor, source=path)
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        return self._logo_stored(_("Logo saved at {time}.").format(time=_now()))

    def remove_logo(self) -> bool:
        if not self.can_edit or not self.services.settings.village().logo_path:
            return False
        return self._store_logo("", _("The logo is removed; letters print without it."))

    def _store_logo(self, path: str, message: str) -> bool:
        try:
            self.services.settings.update_village(actor=self.actor, logo_path=path)
        except UserError as exc:
            self._status(self.village_status, exc.message, error=True)
            return False
        return self._logo_stored(message)

    def _logo_stored(self, message: str) -> bool:
        self._announce("setting")
        self._load_village(fields_too=not self._village_dirty)
        self._status(self.village_status, message)
        return True

    # ------------------------------------------------------------ officers
    def selected_officer(self) -> OfficerDTO | None:
        rows = self.officer_table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.officer_model.row_at(row) if row < self.officer_model.rowCount() else None

    def select_officer(self, officer_id: str) -> bool:
        row = self.officer_model.row_of(officer_id)
        if row < 0:
            return False
        self.officer_table.selectRow(row)
        return True

    def _update_officer_buttons(self) -> None:
        officer = self.selected_officer()
        self.edit_officer_button.setEnabled(self.can_edit and officer is not None)
        self.deactivate_officer_button.setEnabled(
            self.can_edit and officer is not None and officer.active)
        self.reactivate_officer_button.setEnabled(
            self.can_edit and officer is not None and not officer.active)

    def _officer_changed(self, officer: OfficerDTO | None, message: str) -> None:
        if officer is None:
            return
        self._announce("officer", [officer.id])
        self._load_officers()
        self.select_officer(officer.id)
        self._status(self.officers_status, message)

    def add_officer(self) -> QDialog | None:
        if not self.can_edit:
            return None
        dialog = OfficerDialog(self.services, self.actor, None, self)
        return self._open(dialog, lambda: self._officer_changed(
            dialog.result_officer, _("{name} is added.").format(
                name=dialog.result_officer.name if dialog.result_officer else "")))

    def edit_officer(self) -> QDialog | None:
        officer = self.selected_officer()
        if not self.can_edit or officer is None:
            return None
        dialog = OfficerDialog(self.services, self.actor, officer, self)
        return self._open(dialog, lambda: self._officer_changed(
            dialog.result_officer, _("Changes to {name} are saved.").format(
                name=dialog.result_officer.name if dialog.result_officer else "")))

    def deactivate_officer(self) -> QDialog | None:
        officer = self.selected_officer()
        if not self.can_edit or officer is None or not officer.active:
            return None
        done: list[OfficerDTO] = []

        def submit(reason: str) -> None:
            done.append(self.services.officers.deactivate(
                actor=self.actor, officer_id=officer.id, reason=reason))

        dialog = ReasonDialog(
            _("Deactivate officer"),
            _("{name} will no longer be offered as an officer; the history stays. Why?")
            .format(name=officer.name), _("Deactivate"), submit, self)
        return self._open(dialog, lambda: self._officer_changed(
            done[0] if done else None, _("{name} is deactivated.").format(name=officer.name)))

    def reactivate_officer(self) -> bool:
        officer = self.selected_officer()
        if not self.can_edit or officer is None or officer.active:
            return False
        try:
            result = self.services.officers.reactivate(actor=self.actor, officer_id=officer.id)
        except UserError as exc:
            self._status(self.officers_status, exc.message, error=True)
            return False
        self._officer_changed(result, _("{name} is active again.").format(name=result.name))
        return True
