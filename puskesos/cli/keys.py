"""The exchange keys (issue 16): ``keys show`` (this office's fingerprint; an
administrator's first ``show`` of a database made before the keys makes them),
``keys export --out FILE`` (the identity file to give to the other office),
``keys trust FILE`` (after comparing the fingerprint by phone: asked on a terminal,
or ``--fingerprint DIGITS`` in a script), ``keys list``, ``keys revoke CODE
--reason …`` and ``keys rotate`` (new keys, signed by the old ones)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InvalidInput
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting


def _own(own) -> dict:
    import base64
    return {"kind": own.kind, "code": own.code, "name": own.name,
            "fingerprint": own.fingerprint,
            "signing_key": base64.b64encode(own.signing_public).decode("ascii"),
            "age_recipient": own.age_recipient, "created_at": own.created_at.isoformat(),
            "replaces_fingerprint": own.replaces_fingerprint}


def _card_text(card) -> str:
    lines = [_("Identity file of {kind} {code}: {name}").format(
                 kind=card.kind_label, code=card.code, name=card.name),
             _("Fingerprint: {fingerprint}").format(fingerprint=card.fingerprint),
             _("Standing: {standing}").format(standing=card.standing_label)]
    if card.current_fingerprint and card.current_fingerprint != card.fingerprint:
        lines.append(_("Fingerprint trusted until now: {fingerprint}").format(
            fingerprint=card.current_fingerprint))
    return "\n".join(lines)


def _confirmed(args, card) -> str:
    """The fingerprint the operator confirms: --fingerprint, or asked on a terminal."""
    if args.fingerprint:
        return args.fingerprint
    if not sys.stdin.isatty():
        raise InvalidInput(_("Compare the fingerprint with the office by phone, then give "
                             "it with --fingerprint DIGITS (or run the command in a "
                             "terminal to be asked)."))
    print(_card_text(card))
    answer = input(_("Ask the office to read its fingerprint aloud over the phone. Is it "
                     "exactly the same? [y/N] "))
    if answer.strip().lower() not in ("y", "ya", "yes"):
        raise InvalidInput(_("Not trusted: the fingerprint was not confirmed."))
    return card.fingerprint


def cmd_keys(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        keys = services.keys
        verb = args.keys_command
        if verb == "show":
            own = keys.ensure_keys(actor=actor)
            emit(args, _own(own), _("{kind} {code} ({name})\nFingerprint: {fingerprint}")
                 .format(kind=own.kind_label, code=own.code, name=own.name,
                         fingerprint=own.fingerprint))
        elif verb == "export":
            out = Path(args.out)
            own = keys.export_identity(actor=actor, path=out)
            emit(args, _own(own) | {"file": str(out)},
                 _("The identity of {name} is saved in {file}. Give it to the other office; "
                   "it compares the fingerprint with you by phone: {fingerprint}").format(
                       name=own.name, file=out, fingerprint=own.fingerprint))
        elif verb == "trust":
            card = keys.read_identity(actor=actor, path=args.file)
            typed = _confirmed(args, card)
            peer = keys.trust(actor=actor, path=args.file, fingerprint=typed,
                              reason=args.reason)
            said = _("{kind} {code} ({name}) is trusted, fingerprint {fingerprint}.").format(
                kind=peer.kind_label, code=peer.code, name=peer.name,
                fingerprint=peer.fingerprint)
            # who it is, said before a script's confirmation too (a terminal showed it)
            emit(args, peer.to_json(), _card_text(card) + "\n" + said if args.fingerprint
                 else said)
        elif verb == "list":
            peers = keys.peers(actor=actor)
            emit(args, [p.to_json() for p in peers], "\n".join(
                f"{p.code}\t{p.kind_label}\t{p.name}\t{p.fingerprint}\t"
                + (_("revoked") if p.revoked else _("trusted")) for p in peers)
                or _("No office is trusted yet."))
        elif verb == "revoke":
            peer = keys.revoke(actor=actor, code=args.code, reason=args.reason)
            emit(args, peer.to_json(), _("The trust of {code} ({name}) is revoked: its "
                                         "bundles are refused from now on.").format(
                code=peer.code, name=peer.name))
        else:
            own = keys.rotate(actor=actor, reason=args.reason)
            emit(args, _own(own), _("New exchange keys, fingerprint {fingerprint}. Give the "
                                    "offices that trust this one the new identity file "
                                    "(keys export): it is signed by the old keys.").format(
                fingerprint=own.fingerprint))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    kp = sub.add_parser("keys", help=_("this office's exchange keys and the offices it "
                                       "trusts"))
    ksub = kp.add_subparsers(dest="keys_command", required=True, parser_class=Parser)
    reporting(ksub.add_parser("show", help=_("this office's fingerprint (an administrator's "
                                             "first use makes the keys)")))
    ke = reporting(ksub.add_parser("export", help=_("save this office's identity file")))
    ke.add_argument("--out", required=True, help=_("the file to write"))
    kt = reporting(ksub.add_parser("trust", help=_("trust another office's identity file "
                                                   "after comparing its fingerprint")))
    kt.add_argument("file")
    kt.add_argument("--fingerprint", help=_("the fingerprint read aloud by the office "
                                            "(for scripts; else it is asked)"))
    kt.add_argument("--reason", help=_("why (needed to replace keys not signed by the old "
                                       "ones, or to trust a revoked office again)"))
    reporting(ksub.add_parser("list", help=_("the offices this one trusts")))
    kr = reporting(ksub.add_parser("revoke", help=_("stop trusting an office")))
    kr.add_argument("code")
    kr.add_argument("--reason", required=True)
    ko = reporting(ksub.add_parser("rotate", help=_("make new keys, signed by the old ones")))
    ko.add_argument("--reason")
    kp.set_defaults(func=cmd_keys)
