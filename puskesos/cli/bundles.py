"""``bundle export|import|inspect|list|queue|resolve``: exchange bundles with the other office
on a USB stick or by email, and the fields a bundle left for a person to settle."""

from __future__ import annotations

from pathlib import Path

from ..core.codes import BundleStatus, QueueStatus, ReferralStatus
from ..core.bahasa import short_datetime
from ..core.exchange import wire_value
from ..core.labels import field_label
from ..i18n import N_, _
from ..services.exchange.records import LABELS
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting

MB = 1024 * 1024
#: how the queue's kinds of waiting field are named
QUEUE_KINDS = {"conflict": N_("conflict"), "proposal": N_("proposal")}


def _plan_text(plan) -> str:
    if plan.already:
        return _("This bundle was imported before: nothing changes.")
    lines = [_("New: {new} · changed: {changed} · removed: {removed} · unchanged: "
               "{unchanged}").format(new=plan.count("new"), changed=plan.count("changed"),
                                     removed=plan.count("removed"),
                                     unchanged=plan.unchanged),
             _("Waiting for a decision: {conflicts} conflicts, {proposals} proposals")
             .format(conflicts=plan.count("conflicts"), proposals=plan.count("proposals"))]
    if plan.missing:
        lines.append(_("Not received yet: bundle {numbers}").format(
            numbers=", ".join(str(n) for n in plan.missing)))
    for reply in plan.replies:
        lines.append(_("Reply to referral {code} ({name}): {status}").format(
            code=reply.tracking_code, name=reply.person_name,
            status=ReferralStatus.label_of(reply.outcome))
            + (" — " + _("not applied: {why}").format(why=reply.problem)
               if reply.problem else ""))
    if plan.shared_niks:
        lines.append(_("{n} NIKs are also registered in another village (kept apart, each "
                       "under its village): {list}").format(
            n=len(plan.shared_niks),
            list=", ".join(f"{nik} ({code})" for nik, code in plan.shared_niks[:10])))
    return "\n".join(lines)


def _plan_json(plan) -> dict:
    return {"bundle_id": plan.bundle_id, "source": plan.source.code,
            "sequence": plan.sequence, "already": plan.already,
            "missing": list(plan.missing), "new": plan.count("new"),
            "changed": plan.count("changed"), "removed": plan.count("removed"),
            "conflicts": plan.count("conflicts"), "proposals": plan.count("proposals"),
            "unchanged": plan.unchanged,
            "shared_niks": [{"nik": n, "village": c} for n, c in plan.shared_niks],
            "replies": [{"referral": r.tracking_code, "status": r.outcome,
                         "on": r.on_date.isoformat(), "not_applied": r.problem}
                        for r in plan.replies],
            "records": [{"entity": r.entity, "id": r.entity_id, "new": r.new,
                         "fields": sorted(r.apply),
                         # each field of a record we had: [what it held, what it takes]
                         "changes": {} if r.new else {
                             f: [wire_value(r.before.get(f)), wire_value(v)]
                             for f, v in r.apply.items()},
                         "conflicts": [c.field for c in r.conflicts],
                         "proposals": [p.field for p in r.proposals]}
                        for r in plan.records]}


def cmd_bundle(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        exchange = services.exchange
        verb = args.bundle_command
        if verb == "export":
            paths = exchange.export_to(actor=actor, folder=Path(args.out), to=args.to,
                                       full=args.full, max_bytes=int(args.max_size * MB))
            emit(args, {"files": [str(p) for p in paths]},
                 "\n".join(str(p) for p in paths) + "\n" + _(
                     "{n} bundle files written. Take them to the other office; they answer "
                     "with a receipt to import here.").format(n=len(paths)) if paths else _(
                     "Nothing changed since the other office's last receipt: no bundle "
                     "was written (--full writes everything)."))
        elif verb == "import":
            result = exchange.import_file(actor=actor, path=Path(args.file),
                                          dry_run=args.dry_run,
                                          out_of_order=args.out_of_order,
                                          receipt_folder=args.receipt_dir)
            if result.received.is_receipt:
                sent = result.acknowledged
                body = {"receipt": True, "bundle_id": result.received.receipt.get("bundle_id"),
                        "status": sent.status if sent else None}
                emit(args, body, _("Receipt read: bundle {n} to {peer} {status}.").format(
                    n=sent.sequence if sent else "-", peer=result.received.source.code,
                    status=_("was received") if sent and sent.status == BundleStatus.ACCEPTED.value
                    else _("was refused")) if sent else _("Receipt read."))
            else:
                body = _plan_json(result.plan)
                body["dry_run"] = args.dry_run
                body["receipt"] = str(result.receipt_path) if result.receipt_path else None
                text = _plan_text(result.plan)
                if args.dry_run:
                    text += "\n" + _("(a trial: nothing was changed)")
                elif result.receipt_path:
                    text += "\n" + _("Receipt for the sender: {path}").format(
                        path=result.receipt_path)
                emit(args, body, text)
        elif verb == "inspect":
            m = exchange.inspect(actor=actor, path=Path(args.file))
            emit(args, {"kind": m.kind, "source": m.source.as_dict(),
                        "receiver": m.receiver.as_dict(), "bundle_id": m.bundle_id,
                        "sequence": m.sequence, "created_at": m.created_at.isoformat(),
                        "schema": m.schema, "program_version": m.program_version,
                        "counts": m.counts, "audit_head": m.audit_head,
                        "part": None if m.part is None else
                        {"index": m.part.index, "of": m.part.of}},
                 (_("Receipt {n} from {source} ({name}) to {receiver}, made {when}; the "
                    "signature and every checksum hold.") if m.kind == "receipt" else
                  _("Bundle {n} from {source} ({name}) to {receiver}, made {when}; "
                    "records: {counts}; the signature and every checksum hold.")).format(
                     n=m.sequence, source=m.source.code, name=m.source.name,
                     receiver=m.receiver.code, when=short_datetime(m.created_at),
                     counts=", ".join(f"{_(LABELS[k]) if k in LABELS else k} {v}"
                                      for k, v in m.counts.items() if v) or "-"))
        elif verb == "list":
            rows = exchange.received(actor=actor, peer_code=args.source)
            emit(args, [{"source": r.peer_code, "sequence": r.sequence,
                         "created_at": wire_value(r.created_at), "status": r.status,
                         "file": r.file_name, "audit_head": r.audit_head} for r in rows],
                 "\n".join(f"{r.peer_code}  {r.sequence:>5}  {short_datetime(r.created_at)}  "
                           f"{BundleStatus.label_of(r.status)}  "
                           f"{_('audit head')} {r.audit_head or '-'}" for r in rows)
                 or _("No bundle was received yet."))
        elif verb == "queue":
            items = exchange.queue(actor=actor, open_only=not args.all)
            emit(args, [{"id": i.id, "record": i.record, "entity": i.entity,
                         "entity_id": i.entity_id, "field": i.field, "kind": i.kind,
                         "base": i.base, "ours": i.ours, "theirs": i.theirs,
                         "from": i.peer_code, "status": i.status} for i in items],
                 "\n".join(f"{i.id[:8]}  {_(QUEUE_KINDS.get(i.kind, i.kind)):<10} "
                           f"{i.record} · {field_label(i.entity, i.field)}: "
                           f"{i.ours!r} ← {i.theirs!r}" for i in items)
                 or _("Nothing waits for a decision."))
        elif verb == "resolve":
            matches = [i for i in exchange.queue(actor=actor) if i.id.startswith(args.item)]
            if len(matches) != 1:
                from ..errors import InvalidInput
                raise InvalidInput(_("Give the id of one waiting item (bundle queue lists "
                                     "them)."))
            done = exchange.resolve(actor=actor, item_id=matches[0].id,
                                    choice=(QueueStatus.THEIRS if args.theirs
                                            else QueueStatus.OURS).value,
                                    note=args.note)
            emit(args, {"id": done.id, "status": done.status}, _("Settled."))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    bp = sub.add_parser("bundle", help=_("exchange bundles with the kabupaten or a village"))
    bsub = bp.add_subparsers(dest="bundle_command", required=True, parser_class=Parser)
    ex = reporting(bsub.add_parser("export", help=_("write the next bundle(s) to a folder")))
    ex.add_argument("--out", required=True, help=_("the folder (e.g. the USB stick)"))
    ex.add_argument("--to", help=_("the village's code (at a kabupaten)"))
    ex.add_argument("--full", action="store_true",
                    help=_("everything, not only what changed since the last receipt"))
    ex.add_argument("--max-size", type=float, default=20.0, metavar="MB",
                    help=_("cut into files of at most this many MB (default 20)"))
    im = reporting(bsub.add_parser("import", help=_("read a bundle or a receipt")))
    im.add_argument("file")
    im.add_argument("--dry-run", action="store_true",
                    help=_("show what would change; change nothing"))
    im.add_argument("--out-of-order", action="store_true",
                    help=_("apply it though an earlier bundle has not arrived"))
    im.add_argument("--receipt-dir", help=_("where to write the receipt (default: the "
                                            "bundle's folder)"))
    ins = reporting(bsub.add_parser("inspect", help=_("what a bundle holds, checked")))
    ins.add_argument("file")
    ls = reporting(bsub.add_parser("list", help=_(
        "the bundles received, with the sender's audit head each carried (an anchor for "
        "'db check --anchor' at the sender)")))
    ls.add_argument("--from", dest="source", metavar="KODE",
                    help=_("only those from this office"))
    qu = reporting(bsub.add_parser("queue", help=_("the fields waiting for a decision")))
    qu.add_argument("--all", action="store_true", help=_("settled ones too"))
    rs = reporting(bsub.add_parser("resolve", help=_("settle a waiting field")))
    rs.add_argument("item", help=_("its id (or the start of it)"))
    side = rs.add_mutually_exclusive_group(required=True)
    side.add_argument("--ours", action="store_true", help=_("keep our value"))
    side.add_argument("--theirs", action="store_true", help=_("take the other office's"))
    rs.add_argument("--note")
    bp.set_defaults(func=cmd_bundle)
