"""The actor behind every service call, and the permission check."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.codes import Role
from ..core.permissions import Permission, allowed
from ..errors import PermissionDenied
from ..i18n import _


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user (in the window and on the command line alike)."""

    username: str
    role: str
    full_name: str = ""

    @classmethod
    def command_line(cls, username: str = "cli") -> "Actor":
        """An administrator for tools and benchmarks that call the services directly
        (the command line itself logs in and acts as that user)."""
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
