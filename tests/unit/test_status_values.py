"""Every stored status is a value of its code list: the program never writes a word
the code lists (and so the window and the reports) do not know."""

import ast
from pathlib import Path

from puskesos.core import codes
from puskesos.models import (ImportBatch, Letter, Participation, Referral, VervalCycle,
                             VervalProposal)

PACKAGE = Path(__file__).resolve().parents[2] / "puskesos"


def test_new_records_start_in_a_status_of_their_code_list():
    for model, code_list, start in [(ImportBatch, codes.ImportStatus, "APPLIED"),
                                    (Letter, codes.LetterStatus, "ISSUED"),
                                    (Participation, codes.ParticipationStatus, "AKTIF"),
                                    (VervalCycle, codes.CycleStatus, "OPEN"),
                                    (VervalProposal, codes.ProposalStatus, "DIUSULKAN"),
                                    (Referral, codes.ReferralStatus, "DRAFT")]:
        assert model.__table__.c.status.default.arg == code_list[start].value


STATUS_WORDS = {m.value for enum in (codes.ImportStatus, codes.LetterStatus,
                                     codes.ParticipationStatus, codes.CycleStatus,
                                     codes.ProposalStatus, codes.VervalState,
                                     codes.ReferralStatus, codes.BundleStatus,
                                     codes.QueueStatus, codes.ReceiptStatus) for m in enum}


def test_no_status_word_is_written_out_by_hand_in_services_window_or_command_line():
    """A comparison or assignment with a status word names the enum member instead
    (``status == "usulan"`` drifts when a code changes; ``ProposalStatus.DIUSULKAN``
    does not)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0]
        if part not in ("services", "ui", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
            elif isinstance(node, ast.keyword) and node.arg == "status":
                sides = [node.value]
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets):
                sides = [node.value]
            else:
                continue
            names = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                     for n in ast.walk(node) if isinstance(n, (ast.Attribute, ast.Name))}
            if "status" not in names and not (isinstance(node, ast.keyword)):
                continue
            for side in sides:
                for n in ast.walk(side):
                    if isinstance(n, ast.Constant) and n.value in STATUS_WORDS:
                        offenders.append(f"{path.relative_to(PACKAGE)}:{n.lineno} {n.value!r}")
    assert offenders == []
