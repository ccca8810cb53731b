"""``settings show``, ``settings village`` and ``settings preferences``: the village's
identity as letterheads print it (address, contact, signatories, logo) and the office
preferences (backup folder and schedule, idle lock, language), with the rules the
window uses."""

from __future__ import annotations

import dataclasses

from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting

#: option -> field of the village identity
VILLAGE_OPTIONS = {"address": "address", "postal_code": "postal_code", "phone": "phone",
                   "email": "email", "kepala_desa": "kepala_desa",
                   "kepala_desa_nip": "kepala_desa_nip", "ketua_puskesos": "ketua_puskesos",
                   "ketua_puskesos_nip": "ketua_puskesos_nip"}


#: option -> office preference
PREFERENCE_OPTIONS = {"backup_folder": "backup_folder", "backup_schedule": "backup_schedule",
                      "idle_lock": "idle_lock_minutes", "language": "language"}


def _text(*records) -> str:
    return "\n".join(f"{field}: {'' if value is None else value}" for record in records
                     for field, value in dataclasses.asdict(record).items())


def cmd_settings(args) -> int:
    services = open_for(args)
    try:
        settings = services.settings
        if args.settings_command == "village":
            actor = current_actor(args)
            changes = {field: getattr(args, option) for option, field in VILLAGE_OPTIONS.items()
                       if getattr(args, option) is not None}
            if not changes and not args.logo:
                raise InvalidInput(_("Name at least one field to change (see --help)."))
            if changes:
                settings.update_village(actor=actor, **changes)
            if args.logo:
                settings.import_logo(actor=actor, source=args.logo)
        elif args.settings_command == "preferences":
            changes = {field: getattr(args, option)
                       for option, field in PREFERENCE_OPTIONS.items()
                       if getattr(args, option) is not None}
            if not changes:
                raise InvalidInput(_("Name at least one field to change (see --help)."))
            settings.update_preferences(actor=current_actor(args), **changes)
        village, preferences = settings.village(), settings.preferences()
        emit(args, {"village": village, "preferences": preferences},
             _text(village, preferences))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    sp = sub.add_parser("settings", help=_("the village's identity on letterheads and the "
                                         "office preferences"))
    ssub = sp.add_subparsers(dest="settings_command", required=True, parser_class=Parser)
    reporting(ssub.add_parser("show"))
    vp = reporting(ssub.add_parser("village", help=_("change the address, contact, signatories "
                                                   "or logo")))
    for option in VILLAGE_OPTIONS:
        vp.add_argument("--" + option.replace("_", "-"), dest=option)
    vp.add_argument("--logo", help=_("a PNG or JPG picture; it is copied beside the database"))
    pp = reporting(ssub.add_parser("preferences", help=_("change the backup folder and "
                                                       "schedule, the idle lock or the language")))
    pp.add_argument("--backup-folder", dest="backup_folder",
                    help=_("an existing folder; empty: beside the database"))
    pp.add_argument("--backup-schedule", dest="backup_schedule",
                    choices=["off", "daily", "weekly"])
    pp.add_argument("--idle-lock", dest="idle_lock", type=int, metavar="MINUTES",
                    help=_("lock the window after this many idle minutes (0: never)"))
    pp.add_argument("--language", choices=["id", "en"])
    sp.set_defaults(func=cmd_settings)
