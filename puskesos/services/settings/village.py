"""Village identity and other settings; creating a new village database."""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ... import paths
from ...core.codes import DEFAULT_PROGRAMS, OfficeKind
from ...core.targeting import DEFAULT_CATALOGUE
from ...core.contact import email_problem, nip_problem, postal_code_problem
from ...core.permissions import Permission
from ...core.regions import KABUPATEN_CODE_RE, kabupaten, normalize_code, regions, titled
from ...db.engine import Database
from ...db.migrate import sqlite_path
from ...core.normalize import text_problem
from ...core.validation import PLACE_LIMIT
from ...errors import InvalidInput, UserError
from ...files import atomic_file
from ...i18n import N_, _
from ...models import Program, Region, Setting
from .. import audit
from ..audit import Change
from ..context import Actor, require

VILLAGE_KEY = "village"
PREFERENCES_KEY = "preferences"
BACKUP_SCHEDULES = ("off", "daily", "weekly")


@dataclass(frozen=True)
class OfficePreferences:
    """How this office wants the program to behave."""

    backup_folder: str = ""          # empty: backup/ beside the database
    backup_schedule: str = "daily"   # off | daily | weekly (made when the program starts)
    idle_lock_minutes: int = 10      # 0: never lock
    language: str = "id"

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "OfficePreferences":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass(frozen=True)
class VillageIdentity:
    """What the letterheads and reports say about the village."""

    code: str = ""
    desa: str = ""
    desa_kind: str = "Desa"
    kecamatan: str = ""
    kabupaten: str = ""
    provinsi: str = ""
    address: str = ""
    postal_code: str = ""
    phone: str = ""
    email: str = ""
    logo_path: str = ""
    kepala_desa: str = ""
    kepala_desa_nip: str = ""
    ketua_puskesos: str = ""
    ketua_puskesos_nip: str = ""

    @property
    def title(self) -> str:
        """'Desa Jlodro' (core.regions.titled: never 'Desa Desa Baru')."""
        return titled(self.desa_kind, self.desa)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "VillageIdentity":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass(frozen=True)
class Office:
    """What this database's office is: a village or a kabupaten/kota, its Kemendagri
    code and its name ('Desa Jlodro', 'Kabupaten Tuban')."""

    kind: str           # OfficeKind value
    code: str
    name: str

    @property
    def kind_label(self) -> str:
        return OfficeKind.label_of(self.kind)


def village_problem(changes: dict[str, Any]) -> str | None:
    """What is wrong with the changed fields of the village identity, or None."""
    checks = {"postal_code": postal_code_problem, "email": email_problem,
              "kepala_desa_nip": lambda v: nip_problem(v, label=_("The NIP of the village "
                                                                  "head")),
              "ketua_puskesos_nip": lambda v: nip_problem(v, label=_("The NIP of the "
                                                                     "Puskesos chair"))}
    for key, check in checks.items():
        value = changes.get(key)
        if isinstance(value, str) and (problem := check(value)):
            return problem
    for key, value in changes.items():
        # no control or text-direction characters, nothing longer than a letterhead takes
        if isinstance(value, str) and (problem := text_problem(key, value, PLACE_LIMIT)):
            return problem
    return None


#: the pictures a logo may be (Pillow's format name -> the file's extension)
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}
MAX_LOGO_BYTES = 10 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000


def picture_kind(path: Path) -> str:
    """The extension of the PNG or JPEG picture at ``path`` ("png" or "jpg"), read from
    its content; refuses anything else (and pictures too large for a letterhead)."""
    from PIL import Image
    not_picture = InvalidInput(_("{name} is not a PNG or JPG picture. Choose the logo as a "
                                 ".png or .jpg file.").format(name=path.name))
    try:
        if not path.is_file():
            raise not_picture
        if path.stat().st_size > MAX_LOGO_BYTES:
            raise InvalidInput(_("{name} is larger than 10 MB. Choose a smaller picture for "
                                 "the logo.").format(name=path.name))
        with Image.open(path) as image:
            kind = image.format
            width, height = image.size
            if kind not in LOGO_FORMATS or width * height > MAX_LOGO_PIXELS:
                raise not_picture
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise not_picture from exc
    return LOGO_FORMATS[kind]


def at_kabupaten(db: Database) -> bool:
    """Whether this database is a kabupaten's (its code is a kabupaten's, 35.23): it
    keeps the villages' records as their bundles bring them."""
    with db.read() as s:
        value = s.scalar(select(Setting.value).where(Setting.key == VILLAGE_KEY))
    return office_kind((value or {}).get("code")) is OfficeKind.KABUPATEN


def office_kind(code: str | None) -> OfficeKind:
    """A kabupaten database keeps the kabupaten's code (35.23) where a village keeps
    its own: the kind follows the code."""
    return OfficeKind.KABUPATEN if KABUPATEN_CODE_RE.match(code or "") else OfficeKind.DESA


#: what a change to a village's verval or labelling at the kabupaten is told
VILLAGE_KEEPS = N_("At the kabupaten a village's verval and labelling are read, not "
                   "changed: the village records them, and its bundles bring them here.")
#: said at the kabupaten on Program & Sasaran's orphans tab
VILLAGE_KEEPS_CARE = N_("Orphans and foster sponsors are recorded and matched at the "
                        "village; they do not travel in bundles yet, so the kabupaten "
                        "has none of them here.")


def village_records(db: Database, message: str) -> None:
    """Refuse, with ``message``, a change to what a village records (its referrals, its
    verval, its labelling) at a kabupaten's database: the village's next bundle would
    meet it as a conflict, or undo it."""
    if at_kabupaten(db):
        raise InvalidInput(message)


def ensure_regions(s, chain) -> None:
    """Store a region and its parents (``chain``: the provinsi first) in the region
    table (once each)."""
    parent = None
    for region in chain:
        if s.get(Region, region.code) is None:
            s.add(Region(code=region.code, name=region.name, level=region.level,
                         parent_code=parent))
        parent = region.code
    s.flush()


class SettingsService:
    def __init__(self, db: Database):
        self._db = db

    def get(self, key: str, default: Any = None) -> Any:
        """A stored setting's value (``default`` when it was never set)."""
        with self._db.read() as s:
            row = s.get(Setting, key)
            return row.value if row else default

    def set(self, *, actor: Actor, key: str, value: Any, reason: str | None = None) -> None:
        """Store a setting, recorded in the audit trail (the audit head is refused)."""
        require(actor, Permission.MANAGE_SETTINGS)
        if key in (audit.HEAD_KEY,):
            raise InvalidInput(_("This setting cannot be changed."))
        with self._db.write() as s:
            row = s.get(Setting, key)
            old = row.value if row else None
            if old == value:
                return
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value
            audit.append(s, actor, "update", [Change("setting", key, key, old, value)], reason)

    def village(self) -> VillageIdentity:
        """What the letterheads and reports say about the village."""
        return VillageIdentity.from_dict(self.get(VILLAGE_KEY))

    def office(self) -> Office:
        """What this database's office is (see :class:`Office`): a kabupaten database
        keeps the kabupaten's code (35.23) where a village keeps its own (the rest of
        the program treats it like a village for now), so the kind follows the code."""
        identity = self.village()
        return Office(kind=office_kind(identity.code).value, code=identity.code,
                      name=identity.title)

    def is_initialised(self) -> bool:
        """Whether the database was set up for a village (``puskesos init``)."""
        return bool(self.village().code)

    def update_village(self, *, actor: Actor, **changes: Any) -> VillageIdentity:
        """Change fields of the village identity; the contact details and NIPs are
        checked (:func:`village_problem`) and nothing is stored when one is wrong."""
        require(actor, Permission.MANAGE_SETTINGS)
        current = asdict(self.village())
        unknown = set(changes) - set(current)
        if unknown:
            raise InvalidInput(_("Unknown village setting: {names}.")
                               .format(names=", ".join(sorted(unknown))))
        if "code" in changes and changes["code"] != current["code"]:
            raise InvalidInput(_("The village code is fixed when the database is created."))
        changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
        problem = village_problem(changes)
        if problem:
            raise InvalidInput(problem)
        current.update(changes)
        self.set(actor=actor, key=VILLAGE_KEY, value=current)
        return VillageIdentity.from_dict(current)

    def logo_folder(self) -> Path:
        """Where an imported logo is kept: beside a SQLite database (so it travels with
        the database folder), else in the program's data folder."""
        database = sqlite_path(self._db.engine)
        if database is None or str(database) == ":memory:":
            return paths.data_dir()
        return database.resolve().parent

    def import_logo(self, *, actor: Actor, source: Path | str) -> VillageIdentity:
        """Take the picture ``source`` as the village's logo: checked to be a PNG or JPEG
        picture, copied (atomically) as logo.png or logo.jpg into :meth:`logo_folder`,
        and its path stored.  Anything else is refused with a message."""
        require(actor, Permission.MANAGE_SETTINGS)
        source = Path(source)
        extension = picture_kind(source)
        target = self.logo_folder() / f"logo.{extension}"
        if not (target.exists() and source.exists() and os.path.samefile(source, target)):
            try:
                with atomic_file(target) as part:
                    shutil.copyfile(source, part)
            except UserError as exc:
                raise type(exc)(_("The logo could not be copied to {folder}: {problem}")
                                .format(folder=target.parent, problem=exc.message)) from exc
        return self.update_village(actor=actor, logo_path=str(target))

    def preferences(self) -> OfficePreferences:
        """How this office wants the program to behave (backup, idle lock, language)."""
        return OfficePreferences.from_dict(self.get(PREFERENCES_KEY))

    def update_preferences(self, *, actor: Actor, **changes: Any) -> OfficePreferences:
        """Change office preferences; each value is checked."""
        require(actor, Permission.MANAGE_SETTINGS)
        current = asdict(self.preferences())
        unknown = set(changes) - set(current)
        if unknown:
            raise InvalidInput(_("Unknown setting: {names}.").format(
                names=", ".join(sorted(unknown))))
        if changes.get("backup_schedule", "daily") not in BACKUP_SCHEDULES:
            raise InvalidInput(_("The backup schedule must be off, daily or weekly."))
        minutes = changes.get("idle_lock_minutes", 10)
        if not isinstance(minutes, int) or not 0 <= minutes <= 240:
            raise InvalidInput(_("The idle lock must be between 0 (never) and 240 minutes."))
        if changes.get("language", "id") not in ("id", "en"):
            raise InvalidInput(_("Unknown language."))
        folder = (changes.get("backup_folder") or "").strip()
        if "backup_folder" in changes:
            if folder and not Path(folder).is_dir():
                raise InvalidInput(_("The folder {folder} does not exist. Choose an existing "
                                     "folder, or leave the field empty.").format(folder=folder))
            changes["backup_folder"] = folder
        current.update(changes)
        self.set(actor=actor, key=PREFERENCES_KEY, value=current)
        return OfficePreferences.from_dict(current)

    def change_village(self, *, actor: Actor, village_code: str, reason: str) -> VillageIdentity:
        """Correct the village chosen at first start (names follow the region list)."""
        require(actor, Permission.MANAGE_SETTINGS)
        if not (reason or "").strip():
            raise InvalidInput(_("Give a reason for this change."))
        if self.office().kind == OfficeKind.KABUPATEN.value:
            raise InvalidInput(_("This database belongs to a kabupaten; its code is fixed "
                                 "when the database is created."))
        code = normalize_code(village_code)
        path = regions().path(code)
        if path is None:
            raise InvalidInput(
                _("Village code {code} is not on the Kemendagri list. Use the form "
                  "35.23.01.2001 (search with 'puskesos region search NAME').")
                .format(code=village_code))
        current = asdict(self.village())
        old_code = current["code"]
        current.update(code=path.desa.code, desa=path.desa.name, desa_kind=path.desa.kind,
                       kecamatan=path.kecamatan.name, kabupaten=path.kabupaten.name,
                       provinsi=path.provinsi.name)
        with self._db.write() as s:
            ensure_regions(s, (path.provinsi, path.kabupaten, path.kecamatan, path.desa))
            row = s.get(Setting, VILLAGE_KEY)
            old = row.value if row else None
            if row is None:
                s.add(Setting(key=VILLAGE_KEY, value=current))
            else:
                row.value = current
            # households registered under the old code move with the village
            if old_code and old_code != path.desa.code:
                from ...models import Household
                from sqlalchemy import update
                s.execute(update(Household).where(Household.region_code == old_code)
                          .values(region_code=path.desa.code))
                from ...db import seals          # sealed with their new code
                seals.touch(s, "household", s.scalars(select(Household.id).where(
                    Household.region_code == path.desa.code)))
            audit.append(s, actor, "update", [Change("setting", VILLAGE_KEY, VILLAGE_KEY, old,
                                                     current)], reason)
        return VillageIdentity.from_dict(current)

    def init_village(self, *, actor: Actor, village_code: str) -> VillageIdentity:
        """Fix the village of a new database: regions, identity and default programs."""
        require(actor, Permission.MANAGE_SETTINGS)
        code = normalize_code(village_code)
        path = regions().path(code)
        if path is None:
            raise InvalidInput(
                _("Village code {code} is not on the Kemendagri list. Use the form "
                  "35.23.01.2001 (search with 'puskesos region search NAME').")
                .format(code=village_code))
        identity = VillageIdentity(
            code=path.desa.code, desa=path.desa.name, desa_kind=path.desa.kind,
            kecamatan=path.kecamatan.name, kabupaten=path.kabupaten.name,
            provinsi=path.provinsi.name)
        return self._init_office(actor, identity, "new village database",
                                 (path.provinsi, path.kabupaten, path.kecamatan, path.desa))

    def init_kabupaten(self, *, actor: Actor, kabupaten_code: str) -> VillageIdentity:
        """Fix the kabupaten/kota of a new database (``init --kabupaten 35.23``): its
        region, its identity (the kabupaten's name where a village's would be, so
        letterheads and the window name it) and the default programs."""
        require(actor, Permission.MANAGE_SETTINGS)
        region = kabupaten(kabupaten_code)
        if region is None:
            raise InvalidInput(
                _("Kabupaten code {code} is not on the Kemendagri list. Use the form 35.23 "
                  "(search with 'puskesos region search NAME --level kabupaten').")
                .format(code=kabupaten_code))
        provinsi = regions().get(region.code[:2])
        identity = VillageIdentity(code=region.code, desa=region.name, desa_kind=region.kind,
                                   kabupaten=region.name,
                                   provinsi=provinsi.name if provinsi else "")
        return self._init_office(actor, identity, "new kabupaten database",
                                 [r for r in (provinsi, region) if r is not None])

    def _init_office(self, actor: Actor, identity: VillageIdentity, reason: str,
                     chain) -> VillageIdentity:
        """Store the identity, regions and default programs of a new database."""
        with self._db.write() as s:
            existing = s.get(Setting, VILLAGE_KEY)
            if existing is not None and (existing.value or {}).get("code"):
                raise InvalidInput(_("This database already belongs to {village}.")
                                   .format(village=existing.value.get("desa")))
            ensure_regions(s, chain)
            existing = set(s.scalars(select(Program.code)))
            for pcode, name, target in DEFAULT_PROGRAMS:
                if pcode not in existing:
                    source, kind, ceiling = DEFAULT_CATALOGUE[pcode]
                    s.add(Program(code=pcode, name=name, target=target, source=source,
                                  kind=kind, desil_ceiling=ceiling))
            s.add(Setting(key=VILLAGE_KEY, value=asdict(identity)))
            audit.append(s, actor, "create", [Change("setting", VILLAGE_KEY, "code", None,
                                                     identity.code)], reason)
        return identity
