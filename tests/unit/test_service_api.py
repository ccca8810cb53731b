"""The service API: every call that reads or changes personal data says who asks
(``actor``), so what it shows follows that person's role; and every public service
function says what it does."""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "puskesos" / "services"

#: public methods that need no actor, and why
NO_ACTOR = {
    "AuthService.login": "who the person is, before there is an actor",
    "AuthService.has_users": "whether the first administrator must be created",
    "AuthService.create_first_admin": "the first start, before there is an actor",
    "LockoutFile.state": "an account's wrong passwords, read by the login (no actor yet)",
    "LockoutFile.record": "an account's wrong passwords, kept by the login (no actor yet)",
    "LockoutFile.held": "one login attempt at a time (no actor yet)",
    "LockoutFile.failed_before_open": "a wrong password on an encrypted file (no actor yet)",
    "LockoutFile.take_attempts": "those wrong passwords, for the trail at the next login",
    "SettingsService.get": "office settings (no personal data)",
    "SettingsService.village": "the letterhead (public)",
    "SettingsService.preferences": "office preferences (language, lock) read at login",
    "SettingsService.is_initialised": "whether the database is set up",
    "SettingsService.office": "the office's kind, code and name (public)",
    "KeyService.has_keys": "whether the office has made its exchange keys",
    "KeyService.own_identity": "the office's public identity (public keys, made to be "
                               "given away)",
    "KeyService.peer": "a trusted office's public identity, for the bundle code",
    "KeyService.trusted_signer": "whether a bundle's signer is trusted (public keys), "
                                 "for the bundle code",
    "SettingsService.logo_folder": "a folder name",
    "DocumentService.village": "the letterhead (public)",
    "LetterRegister.letter_types": "the letter types of forms/ (no personal data)",
    "BackupService.last_backup": "when the last backup was made",
    "AuditTrail.verify": "whether the chain is whole (no content shown)",
    "AuditTrail.anchor": "the head of the trail: a number and a hash, no content",
    "HouseholdService.areas": "dusun/RW/RT names for the filters",
    "HouseholdService.dusun_names": "dusun names for the filters",
    "HouseholdService.villages": "village codes and names for the kabupaten's filter",
    "ProgramService.programs": "the program catalogue (no personal data)",
    "FlowOps.services": "the services a village refers to (no personal data)",
    "MusdesOps.link_letter": "a step inside a caller's transaction (takes the session)",
}
SKIP_CLASSES = {"Services", "Actor", "ChangeRecorder", "Normaliser", "Memo", "RegistryRows",
                "BnbaRows", "ImportState", "Index", "DemoReport", "_StreamSheet",
                "FileHouseholds"}


def _methods():
    for path in SERVICES.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            dto = any("dataclass" in ast.unparse(d) for d in cls.decorator_list)
            if dto or cls.name in SKIP_CLASSES or cls.name.startswith("_"):
                continue
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_") and not any(
                        isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod",
                                                             "property")
                        for d in fn.decorator_list):
                    yield path, cls, fn


def test_every_service_call_that_touches_personal_data_takes_the_actor():
    missing = []
    for path, cls, fn in _methods():
        arguments = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
        if "self" not in arguments or fn.name in ("close",):
            continue
        key = f"{cls.name}.{fn.name}"
        if "actor" not in arguments and key not in NO_ACTOR:
            missing.append(f"{path.relative_to(SERVICES)}: {key}")
        keyword_only = [a.arg for a in fn.args.kwonlyargs]
        positional = [a.arg for a in fn.args.args]
        default = None
        if "actor" in keyword_only:
            default = fn.args.kw_defaults[keyword_only.index("actor")]
        elif "actor" in positional:
            at = positional.index("actor") - (len(positional) - len(fn.args.defaults))
            default = fn.args.defaults[at] if at >= 0 else None
        if default is not None:
            missing.append(f"{key}: actor has a default (a default must never show more)")
    assert missing == []


def test_every_public_service_function_says_what_it_does():
    """Each public function and method of a service has a docstring: the next
    capability reads them to find what exists before writing it again."""
    missing = []
    for path in SERVICES.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(body, cls=None):
            for node in body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    if not ast.get_docstring(node):
                        owner = f"{cls.name}." if cls else ""
                        missing.append(f"{path.relative_to(SERVICES)}: {owner}{node.name}")
                elif isinstance(node, ast.ClassDef) and not node.name.startswith("_") \
                        and not any("dataclass" in ast.unparse(d) for d in node.decorator_list):
                    visit(node.body, node)
        visit(tree.body)
    assert missing == []
