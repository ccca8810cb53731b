"""``verval list|close|reopen|export``: verval cycles."""

from __future__ import annotations

from pathlib import Path

from ..core.codes import CycleStatus
from ..i18n import _
from .common import EXIT_OK, Parser, current_actor, emit, open_for, reporting

def cmd_verval(args) -> int:
    services = open_for(args)
    try:
        actor = current_actor(args)
        if args.verval_command in ("close", "reopen"):
            cycle = services.verval.set_status(
                actor=actor, cycle_id=args.cycle or services.verval.cycle(None, actor=actor).id,
                status=CycleStatus.CLOSED.value if args.verval_command == "close"
                else CycleStatus.OPEN.value)
            emit(args, {"cycle": cycle}, f"{cycle.name}: {cycle.status}")
        elif args.verval_command == "list":
            cycles = services.verval.cycles(actor=actor)
            emit(args, {"cycles": cycles}, "\n".join(
                f"{c.id[:8]}  {c.name} ({c.period})  {c.done}/{c.households}" for c in cycles)
                or _("No verval cycle yet."))
        else:
            from ..services.verval.export import export_results
            out = Path(args.out)
            count = export_results(services, actor=actor, cycle_id=args.cycle, path=out)
            emit(args, {"path": str(out), "rows": count},
                  _("{n} rows written to {path}.").format(n=count, path=out))
        return EXIT_OK
    finally:
        services.close()


def register(sub) -> None:
    vp = sub.add_parser("verval", help=_("verval cycles: list, close, reopen, export results"))
    vsub = vp.add_subparsers(dest="verval_command", required=True, parser_class=Parser)
    reporting(vsub.add_parser("list"))
    for name in ("close", "reopen"):
        reporting(vsub.add_parser(name)).add_argument("--cycle")
    ve = reporting(vsub.add_parser("export"))
    ve.add_argument("out")
    ve.add_argument("--cycle")
    vp.set_defaults(func=cmd_verval, cycle=None)
