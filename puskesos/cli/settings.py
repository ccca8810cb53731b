"""``settings show`` and ``settings village``: the village's identity as letterheads
print it (address, contact, signatories, logo), with the rules the window uses."""

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


def _text(village) -> str:
    return "\n".join(f"{field}: {value}" for field, value in
                     dataclasses.asdict(village).items())


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
        village = settings.village()
        emit(args, {"village": village}, _text(village))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    sp = sub.add_parser("settings", help="the village's identity on letterheads")
    ssub = sp.add_subparsers(dest="settings_command", required=True, parser_class=Parser)
    reporting(ssub.add_parser("show"))
    vp = reporting(ssub.add_parser("village", help="change the address, contact, signatories "
                                                   "or logo"))
    for option in VILLAGE_OPTIONS:
        vp.add_argument("--" + option.replace("_", "-"), dest=option)
    vp.add_argument("--logo", help="a PNG or JPG picture; it is copied beside the database")
    sp.set_defaults(func=cmd_settings)
