"""Who may do what. Checked in the services; the window only mirrors it."""

from __future__ import annotations

import enum

from .codes import Role


class Permission(enum.Enum):
    VIEW_REGISTRY = "view_registry"
    VIEW_FULL_NIK = "view_full_nik"
    EDIT_REGISTRY = "edit_registry"
    APPROVE = "approve"          # verval proposals, referrals
    SIGN_OFF = "sign_off"        # kepala desa acknowledgement
    EXPORT = "export"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_AUDIT = "view_audit"
    #: send and receive exchange bundles: sign with the office's key, open what is
    #: encrypted to it (issue 16)
    EXCHANGE = "exchange"
    #: the office's exchange keys: make, rotate, and trust, replace or revoke a peer's
    MANAGE_KEYS = "manage_keys"


_ALL = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.KOORDINATOR: frozenset({
        Permission.VIEW_REGISTRY, Permission.VIEW_FULL_NIK, Permission.EDIT_REGISTRY,
        Permission.APPROVE, Permission.EXPORT, Permission.BACKUP, Permission.VIEW_AUDIT,
        Permission.EXCHANGE,
    }),
    Role.OPERATOR: frozenset({
        Permission.VIEW_REGISTRY, Permission.VIEW_FULL_NIK, Permission.EDIT_REGISTRY,
        Permission.EXPORT, Permission.BACKUP, Permission.VIEW_AUDIT, Permission.EXCHANGE,
    }),
    # The village head reads and signs off; NIKs stay masked.
    Role.KEPALA_DESA: frozenset({
        Permission.VIEW_REGISTRY, Permission.SIGN_OFF, Permission.VIEW_AUDIT,
    }),
}


def allowed(role: Role | str, permission: Permission) -> bool:
    role = Role.from_code(role) if isinstance(role, str) else role
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
