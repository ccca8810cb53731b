"""Exchange keys and trust (issue 16 point 2), on both engines: each office's own keys,
kept out of the file's clear bytes; its identity file trusted by the other office only
after the fingerprint is confirmed; damaged, wrongly signed or own files refused; keys
replaced with the old key's signature, or by an administrator with a reason; a peer
revoked; every step in the audit trail."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from puskesos.core.codes import PeerStanding
from puskesos.errors import InvalidInput, PermissionDenied, UserError
from puskesos.formats.identity import fingerprint_digits
from puskesos.models import AuditEvent
from puskesos.services import open_services
from puskesos.services.exchange import KeysMissing, UntrustedSender
from tests.conftest import ADMIN, OPERATOR, PG_URL, VILLAGE

KABUPATEN = "35.23"


@pytest.fixture
def second_target(db_target, tmp_path):
    """Another database on the same engine as ``db_target`` (the other office)."""
    if not db_target.startswith("postgresql"):
        yield str(tmp_path / "kabupaten.sqlite")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    name = f"puskesos_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def village(services):
    services.keys.ensure_keys(actor=ADMIN)
    return services


@pytest.fixture
def kabupaten(second_target):
    svc = open_services(second_target, create=True)
    svc.settings.init_kabupaten(actor=ADMIN, kabupaten_code=KABUPATEN)
    svc.keys.ensure_keys(actor=ADMIN)
    yield svc
    svc.close()


def _export(svc, path):
    svc.keys.export_identity(actor=ADMIN, path=path)
    return path, svc.keys.own_identity().fingerprint


def _actions(svc) -> list[str]:
    with svc.db.read() as s:
        return list(s.scalars(select(AuditEvent.action).where(
            AuditEvent.entity.in_(("exchange_peer", "exchange_own_key")))
            .order_by(AuditEvent.seq)))


def test_the_office_says_what_it_is(village, kabupaten):
    assert village.settings.office() == type(village.settings.office())(
        kind="desa", code=VILLAGE, name="Desa Jlodro")
    office = kabupaten.settings.office()
    assert (office.kind, office.code, office.name) == ("kabupaten", KABUPATEN,
                                                       "Kabupaten Tuban")
    own = kabupaten.keys.own_identity()
    assert (own.kind, own.code, own.name) == ("kabupaten", KABUPATEN, "Kabupaten Tuban")
    with pytest.raises(InvalidInput, match="35.99"):
        kabupaten.settings.init_kabupaten(actor=ADMIN, kabupaten_code="35.99")


def test_a_database_without_keys_gets_them_from_an_administrator_only(services):
    with pytest.raises(KeysMissing):
        services.keys.own_identity()
    with pytest.raises(PermissionDenied):
        services.keys.ensure_keys(actor=OPERATOR)
    own = services.keys.ensure_keys(actor=ADMIN)
    assert len(fingerprint_digits(own.fingerprint)) == 30
    assert own.fingerprint.count(" ") == 5
    assert services.keys.ensure_keys(actor=OPERATOR) == own      # made once, then read
    assert _actions(services) == ["create"]


def test_the_private_keys_are_never_in_the_files_in_clear(village, db_target):
    from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption,
                                                              PrivateFormat)
    from pathlib import Path
    if db_target.startswith("postgresql"):
        pytest.skip("PostgreSQL keeps them on the server (docs/architecture.md)")
    raw = village.keys.signing_key(actor=OPERATOR).private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    secret = str(village.keys.age_identity(actor=OPERATOR))
    assert secret.startswith("AGE-SECRET-KEY-1")
    village.close()                          # everything written out to the file
    folder = Path(db_target).parent
    files = [p for p in folder.iterdir() if p.is_file()]
    assert any(p.name.endswith(".keys") for p in files)
    for path in files:
        content = path.read_bytes()
        assert raw not in content, path.name
        assert secret.encode() not in content and secret.lower().encode() not in content, \
            path.name


def test_only_the_exchange_roles_get_the_private_keys(village):
    from tests.conftest import KADES
    with pytest.raises(PermissionDenied):
        village.keys.signing_key(actor=KADES)
    with pytest.raises(PermissionDenied):
        village.keys.age_identity(actor=KADES)


def test_an_identity_trusted_on_the_other_side_checks_its_signatures_and_opens_its_mail(
        village, kabupaten, tmp_path):
    from pyrage import decrypt, encrypt, x25519
    path, printed = _export(village, tmp_path / "jlodro.json")
    card = kabupaten.keys.read_identity(actor=ADMIN, path=path)
    assert (card.kind, card.code, card.name, card.fingerprint, card.standing) == (
        "desa", VILLAGE, "Desa Jlodro", printed, PeerStanding.NEW.value)
    peer = kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed.replace(" ", ""))
    assert (peer.code, peer.fingerprint, peer.trusted_by, peer.revoked) == (
        VILLAGE, printed, "admin", False)
    # what the bundle code does: sign with the village's key, check it at the kabupaten
    key = village.keys.signing_key(actor=OPERATOR)
    manifest = b'{"bundle": 1}'
    signature = key.sign(manifest)
    signer = kabupaten.keys.trusted_signer(VILLAGE, village.keys.own_identity().signing_public)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    Ed25519PublicKey.from_public_bytes(signer.signing_public).verify(signature, manifest)
    # and encrypt to the village's recipient, opened only with the village's identity
    sealed = encrypt(b"data", [x25519.Recipient.from_str(kabupaten.keys.peer(VILLAGE)
                                                         .age_recipient)])
    assert decrypt(sealed, [village.keys.age_identity(actor=OPERATOR)]) == b"data"
    # the same file again changes nothing
    assert kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed) == peer
    assert [p.code for p in kabupaten.keys.peers(actor=OPERATOR)] == [VILLAGE]
    assert _actions(kabupaten) == ["create", "trust"]
    # the village trusts its kabupaten the same way
    path, printed = _export(kabupaten, tmp_path / "tuban.json")
    assert village.keys.trust(actor=ADMIN, path=path, fingerprint=printed).kind == "kabupaten"


def test_an_unknown_or_other_signer_is_refused_with_why(village, kabupaten, tmp_path):
    with pytest.raises(UntrustedSender, match="35.23.01.2001"):
        kabupaten.keys.trusted_signer(VILLAGE, village.keys.own_identity().signing_public)
    path, printed = _export(village, tmp_path / "jlodro.json")
    kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    with pytest.raises(UntrustedSender, match="tidak dipercaya|does not trust"):
        kabupaten.keys.trusted_signer(VILLAGE, b"\1" * 32)


def test_a_fingerprint_that_differs_is_refused_and_nothing_is_trusted(village, kabupaten,
                                                                      tmp_path):
    path, printed = _export(village, tmp_path / "jlodro.json")
    wrong = printed[:-1] + str((int(printed[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as refused:
        kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=wrong)
    assert printed not in refused.value.message          # the file's own is not given away
    assert kabupaten.keys.peer(VILLAGE) is None
    with pytest.raises(InvalidInput):
        kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint="")
    assert kabupaten.keys.peers(actor=ADMIN) == [] and _actions(kabupaten) == ["create"]


def test_damaged_or_changed_files_are_refused(village, kabupaten, tmp_path):
    path, printed = _export(village, tmp_path / "jlodro.json")
    data = json.loads(path.read_text())
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data | {"name": "Desa Lain"}))      # self-signature wrong
    with pytest.raises(InvalidInput, match="changed.json") as refused:
        kabupaten.keys.read_identity(actor=ADMIN, path=changed)
    assert "tanda tangan" in refused.value.message or "signature" in refused.value.message
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(path.read_bytes()[:-40])
    bad_key = tmp_path / "bad_key.json"
    bad_key.write_text(json.dumps(data | {"age_recipient": "age1notakey"}))
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * 100_000 + path.read_bytes())
    for broken in (truncated, bad_key, huge, tmp_path / "missing.json"):
        with pytest.raises(InvalidInput if broken.exists() else UserError):
            kabupaten.keys.trust(actor=ADMIN, path=broken, fingerprint=printed)
    assert kabupaten.keys.peer(VILLAGE) is None


def test_its_own_identity_and_an_office_it_does_not_exchange_with_are_refused(
        village, kabupaten, tmp_path):
    path, printed = _export(kabupaten, tmp_path / "tuban.json")
    with pytest.raises(InvalidInput, match="sendiri|own"):
        kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    other = open_services(str(tmp_path / "bojonegoro.sqlite"), create=True)
    try:
        other.settings.init_kabupaten(actor=ADMIN, kabupaten_code="35.22")   # Bojonegoro
        other.keys.ensure_keys(actor=ADMIN)
        path, printed = _export(other, tmp_path / "bojonegoro.json")
        with pytest.raises(InvalidInput, match="35.22"):
            village.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    finally:
        other.close()


def test_a_rotation_is_taken_as_a_replacement_because_the_old_key_signed_it(
        village, kabupaten, tmp_path):
    from pyrage import encrypt, decrypt, x25519
    path, printed = _export(village, tmp_path / "jlodro.json")
    kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    old_public = village.keys.own_identity().signing_public
    in_flight = encrypt(b"old", [x25519.Recipient.from_str(
        kabupaten.keys.peer(VILLAGE).age_recipient)])
    with pytest.raises(PermissionDenied):
        village.keys.rotate(actor=OPERATOR)
    new = village.keys.rotate(actor=ADMIN, reason="komputer baru")
    assert new.fingerprint != printed and new.replaces_fingerprint == printed
    path, _ = _export(village, tmp_path / "jlodro-baru.json")
    card = kabupaten.keys.read_identity(actor=ADMIN, path=path)
    assert card.standing == PeerStanding.REPLACEMENT_SIGNED.value and not card.needs_reason
    assert card.current_fingerprint == printed
    peer = kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=new.fingerprint)
    assert peer.fingerprint == new.fingerprint and peer.replaced_keys == 1
    assert kabupaten.keys.trusted_signer(VILLAGE, new.signing_public).code == VILLAGE
    with pytest.raises(UntrustedSender, match="diganti|replaced"):
        kabupaten.keys.trusted_signer(VILLAGE, old_public)
    # what was encrypted to the old keys still opens at the village
    assert decrypt(in_flight, village.keys.age_identities(actor=OPERATOR)) == b"old"
    assert _actions(village) == ["create", "rotate"]
    assert _actions(kabupaten) == ["create", "trust", "replace"]


def test_new_keys_not_signed_by_the_old_need_an_administrators_reason(
        village, kabupaten, tmp_path):
    path, printed = _export(village, tmp_path / "jlodro.json")
    kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    # the village's computer is lost: a new database for the same village
    again = open_services(str(tmp_path / "jlodro-lagi.sqlite"), create=True)
    try:
        again.settings.init_village(actor=ADMIN, village_code=VILLAGE)
        again.keys.ensure_keys(actor=ADMIN)
        path, new = _export(again, tmp_path / "jlodro-lagi.json")
    finally:
        again.close()
    card = kabupaten.keys.read_identity(actor=ADMIN, path=path)
    assert card.standing == PeerStanding.REPLACEMENT_UNSIGNED.value and card.needs_reason
    with pytest.raises(InvalidInput, match="--reason"):
        kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=new)
    assert kabupaten.keys.peer(VILLAGE).fingerprint == printed
    with pytest.raises(PermissionDenied):
        kabupaten.keys.trust(actor=OPERATOR, path=path, fingerprint=new, reason="x")
    peer = kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=new,
                                reason="laptop desa hilang, dikonfirmasi camat")
    assert peer.fingerprint == new and peer.reason.startswith("laptop")
    with kabupaten.db.read() as s:
        event = s.execute(select(AuditEvent.old_value, AuditEvent.new_value,
                                 AuditEvent.reason).where(AuditEvent.action == "replace")
                          ).one()
    assert tuple(event) == (
        printed, new, "laptop desa hilang, dikonfirmasi camat")


def test_a_revoked_office_is_refused_and_trusted_again_only_with_a_reason(
        village, kabupaten, tmp_path):
    path, printed = _export(village, tmp_path / "jlodro.json")
    kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    with pytest.raises(InvalidInput):
        kabupaten.keys.revoke(actor=ADMIN, code=VILLAGE, reason=" ")
    with pytest.raises(PermissionDenied):
        kabupaten.keys.revoke(actor=OPERATOR, code=VILLAGE, reason="x")
    peer = kabupaten.keys.revoke(actor=ADMIN, code=VILLAGE, reason="flashdisk hilang")
    assert peer.revoked and peer.revoked_reason == "flashdisk hilang"
    with pytest.raises(UntrustedSender, match="dicabut|revoked"):
        kabupaten.keys.trusted_signer(VILLAGE, village.keys.own_identity().signing_public)
    assert kabupaten.keys.read_identity(actor=ADMIN, path=path).standing == \
        PeerStanding.REVOKED.value
    with pytest.raises(InvalidInput, match="--reason"):
        kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed)
    again = kabupaten.keys.trust(actor=ADMIN, path=path, fingerprint=printed,
                                 reason="flashdisk ditemukan, kunci tidak bocor")
    assert not again.revoked
    assert _actions(kabupaten) == ["create", "trust", "revoke", "replace"]
