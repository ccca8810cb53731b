"""The actor behind every service call, and the permission check."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.codes import Role
from ..core.permissions import Permission, allowed
from ..errors import PermissionDenied
from ..i18n import _


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the command line on this computer."""

    username: str
    role: str
    full_name: str = ""

    @classmethod
    def command_line(cls, username: str = "cli") -> "Actor":
        """The command line runs with administrator rights on this computer."""
        return cls(username=username, role=Role.ADMIN.value, full_name="Command line")

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)


def require(actor: Actor, permission: Permission) -> None:
    """Refuse (:class:`PermissionDenied`, saying whom to ask) unless the actor's role
    has ``permission``."""
    if not actor.can(permission):
        raise PermissionDenied(
            _("Your role ({role}) may not do this. Ask the administrator or the "
              "Puskesos coordinator.").format(role=Role.label_of(actor.role)))
