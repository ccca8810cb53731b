"""Where printable templates and their files are found, and what is wrong with them.

Kept apart from :mod:`.template` so that the font check (:mod:`.fonts`) can
name its problems without importing the template reader that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import paths


@dataclass(frozen=True)
class PrintProblem:
    """One thing to fix before printing, in words the operator can act on."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class TemplateError(Exception):
    """The template cannot be used at all; ``problems`` says why."""

    def __init__(self, problems: list[PrintProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def forms_search_path() -> list[Path]:
    """Adjusted templates in the data folder come before the shipped ones."""
    return [paths.data_dir() / "forms", paths.forms_dir()]


def find_form_file(name: str) -> Path | None:
    for folder in forms_search_path():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
