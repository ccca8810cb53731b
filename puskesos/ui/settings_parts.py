"""What the settings page is built from: its field labels and styles, the
officers' table model, and its dialogs (change the village, an officer, a reason).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import (QColor, QRegularExpressionValidator)
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget)

from ..core.codes import OfficerRole
from ..core.regions import regions
from ..errors import UserError
from ..i18n import _
from ..services import Services
from ..services.context import Actor
from ..services.settings import OfficerDTO, VillageIdentity
from .operations import write
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
        code, reason = self.picker.selected_code() or "", self.reason.text().strip()
        self.identity = write(self, lambda: self._services.settings.change_village(
            actor=self._actor, village_code=code, reason=reason))


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
            self.result_officer = write(self, lambda: self._services.officers.add(
                actor=self._actor, **fields))
        else:
            officer_id, reason = self._officer.id, self.reason.text().strip() or None
            self.result_officer = write(self, lambda: self._services.officers.update(
                actor=self._actor, officer_id=officer_id, reason=reason, **fields))


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
        reason = self.reason.text().strip()
        write(self, lambda: self._submit_fn(reason))


# ---------------------------------------------------------------- the page
