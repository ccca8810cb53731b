"""Printable templates: TOML files in ``forms/`` that a kabupaten can adjust.

A template is a ``[document]`` table (page size, margins, font, an optional
mark such as RAHASIA, and ``each`` to repeat the body for every item of a
list, one new page per item) followed by ``[[block]]`` tables drawn top to
bottom.  Text holds placeholders such as ``{desa.nama}``; in a table the
placeholders of a column name fields of the row (``{nik}``).  Values come from
flat dictionaries that the services build; ``{{`` and ``}}`` print braces.

:func:`preflight` checks a template against the values it will be filled
with and names everything that would make the paper wrong: an unknown
placeholder, an empty required value (a signatory's name), a missing logo or
font, an empty selection.  Nothing is numbered or printed until it is clean.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import _
from .files import PrintProblem, TemplateError, find_form_file

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}|\{[^{}]*\}")
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "F4": (215.0, 330.0), "LETTER": (215.9, 279.4),
                 "A5": (148.0, 210.0), "A6": (105.0, 148.0)}
BLOCK_TYPES = {
    "letterhead": (), "title": ("text",), "text": ("text",), "fields": ("items",),
    "table": ("rows", "columns"), "choices": ("items",), "signatures": ("items",),
    "qr": ("value",), "spacer": (), "page_break": (), "section": ("text",),
    "bars": ("rows", "series"),
}
#: a number a ``bars`` block can draw: digits with an optional decimal point or comma
_BAR_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def bar_value(text: str) -> float | None:
    """The number a bar shows for a filled value ("12", "2.5", "2,5"), or None when it
    is not a count or measure that is zero or more."""
    text = text.strip()
    if not _BAR_NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))


class Text:
    """A string with placeholders, split once into literal parts and keys."""

    __slots__ = ("source", "parts", "keys", "bad", "constant")

    def __init__(self, source: Any):
        self.source = "" if source is None else str(source)
        self.parts: list[tuple[str, str | None]] = []
        self.keys: list[str] = []
        self.bad: list[str] = []
        pos = 0
        literal = []
        for match in PLACEHOLDER.finditer(self.source):
            literal.append(self.source[pos:match.start()])
            token = match.group(0)
            if token == "{{":
                literal.append("{")
            elif token == "}}":
                literal.append("}")
            elif match.group(1):
                self.parts.append(("".join(literal), match.group(1)))
                self.keys.append(match.group(1))
                literal = []
            else:
                self.bad.append(token)
                literal.append(token)
            pos = match.end()
        literal.append(self.source[pos:])
        self.parts.append(("".join(literal), None))
        self.constant = not self.keys

    def fill(self, *scopes: dict) -> str:
        if not self.keys:
            return self.parts[0][0]
        out = []
        for literal, key in self.parts:
            out.append(literal)
            if key is not None:
                for scope in scopes:
                    if key in scope:
                        value = scope[key]
                        if value is not None:
                            out.append(str(value))
                        break
        return "".join(out)


@dataclass
class Template:
    name: str
    path: Path | None
    document: dict[str, Any]
    blocks: list[dict[str, Any]]
    letterhead: list[Text] = field(default_factory=list)

    @property
    def each(self) -> str | None:
        return self.document.get("each")

    @property
    def title(self) -> str:
        return str(self.document.get("title", self.name))

    def texts(self):
        """Every (where, Text, scope) of the template; scope is 'row' inside tables."""
        for line in self.letterhead:
            yield _("letterhead"), line, "page"
        for key in ("mark", "running"):
            if self.document.get(key):
                yield "[document]", Text(self.document[key]), "page"
        for number, block in enumerate(self.blocks, 1):
            where = _("block {number} ({type})").format(number=number, type=block["type"])
            for value in _block_texts(block):
                yield where, value[0], value[1]


def _block_texts(block: dict):
    kind = block["type"]
    if kind in ("title", "text", "section", "qr"):
        yield Text(block.get("text", block.get("value"))), "page"
        if block.get("caption"):
            yield Text(block["caption"]), "page"
    elif kind == "fields":
        for item in block["items"]:
            for part in item:
                yield Text(part), "page"
    elif kind == "table":
        for column in block["columns"]:
            yield Text(column.get("title", "")), "page"
            yield Text(column.get("value", "")), "row"
        if isinstance(block.get("detail"), dict):
            yield Text(block["detail"].get("value", "")), "row"
        if block.get("empty"):
            yield Text(block["empty"]), "page"
    elif kind == "bars":
        for key in ("title", "empty"):
            if block.get(key):
                yield Text(block[key]), "page"
        yield Text(block.get("label", "")), "row"
        for series in block["series"]:
            yield Text(series.get("title", "")), "page"
            yield Text(series.get("value", "")), "row"
    elif kind == "choices":
        if block.get("title"):
            yield Text(block["title"]), "page"
        for item in block["items"]:
            yield Text(item), "page"
    elif kind == "signatures":
        if block.get("statement"):
            yield Text(block["statement"]), "page"
        for item in block["items"]:
            required = not item.get("optional")
            for key in ("above", "role", "name", "nip"):
                if item.get(key):
                    yield Text(item[key]), ("signature" if key == "name" and required
                                            else "page")


def load_template(name: str, path: Path | None = None) -> Template:
    """Read ``forms/<name>.toml`` (or ``path``); a broken file raises TemplateError."""
    path = path or find_form_file(f"{name}.toml")
    if path is None:
        raise TemplateError([PrintProblem("", _("The template {name}.toml is not in the "
                                                "forms folder. Reinstall the program or put "
                                                "the file back.").format(name=name))])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([PrintProblem(str(path), _("cannot be read ({error}).")
                                          .format(error=exc))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError([PrintProblem(str(path), _("is not valid TOML: {error}. Fix the "
                                                       "file or delete it to use the "
                                                       "original.").format(error=exc))]) from None
    problems = []
    document = data.get("document") or {}
    if not isinstance(document, dict):
        problems.append(PrintProblem(str(path), _("[document] must be a table.")))
        document = {}
    page = str(document.get("page", "A4")).upper()
    if page not in PAGE_SIZES_MM:
        problems.append(PrintProblem(str(path), _("unknown page size {page}; use A4, F4, "
                                                  "Letter, A5 or A6.").format(page=page)))
    blocks = data.get("block") or []
    if not isinstance(blocks, list) or not blocks:
        problems.append(PrintProblem(str(path), _("the template has no [[block]] entries.")))
        blocks = []
    for number, block in enumerate(blocks, 1):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            problems.append(PrintProblem(str(path), _("block {number}: unknown type {type}; "
                                                      "use one of {types}.").format(
                number=number, type=kind, types=", ".join(sorted(BLOCK_TYPES)))))
            continue
        for key in BLOCK_TYPES[kind]:
            if key not in block and not (kind == "qr" and key == "value" and "text" in block):
                problems.append(PrintProblem(str(path), _("block {number} ({type}) needs "
                                                          "{key}.").format(
                    number=number, type=kind, key=key)))
        series = block.get("series")
        if kind == "bars" and "series" in block and not (
                isinstance(series, list) and series
                and all(isinstance(s, dict) and "value" in s for s in series)):
            problems.append(PrintProblem(str(path), _(
                "block {number} (bars): series must be a list like [{{ title = \"Diterima\", "
                "value = \"{{diterima}}\" }}], one entry for each bar of a group.").format(
                number=number)))
    letterhead = []
    if any(isinstance(b, dict) and b.get("type") == "letterhead" for b in blocks):
        head_path = find_form_file("letterhead.toml")
        if head_path is None:
            problems.append(PrintProblem("letterhead.toml", _("the letterhead file is missing "
                                                              "from the forms folder.")))
        else:
            try:
                head = tomllib.loads(head_path.read_text(encoding="utf-8"))
                letterhead = [Text(line) for line in head.get("lines", [])]
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                problems.append(PrintProblem(str(head_path), _("is not valid TOML: {error}.")
                                             .format(error=exc)))
    if problems:
        raise TemplateError(problems)
    return Template(name=name, path=path, document=document, blocks=blocks,
                    letterhead=letterhead)


def preflight(template: Template, context: dict[str, Any], *,
              required_hints: dict[str, str] | None = None,
              item_word: str | None = None) -> list[PrintProblem]:
    """Everything that would make this document wrong, before any number is taken.

    ``context`` is the page scope (flat dotted keys) plus, when the template
    repeats, the list under ``template.each`` of item scopes; a table's rows
    are lists inside the item (or page) scope.  ``required_hints`` maps a key
    that must not be empty to the message saying where to fill it in.
    """
    from .fonts import font_problems

    hints = required_hints or {}
    problems: list[PrintProblem] = list(font_problems())
    items: list[dict] = [{}]
    if template.each:
        items = context.get(template.each) or []
        if not items:
            problems.append(PrintProblem("", _("Nothing to print: the selection is empty. "
                                               "Choose at least one {what}.").format(
                what=item_word or _("household"))))
            items = [{}]
    first = items[0]
    page_keys = set(context) | set(first)
    row_keys: set[str] = {"no"}  # the engine numbers table rows
    for block in template.blocks:
        if block.get("type") in ("table", "bars"):
            rows = first.get(block["rows"], context.get(block["rows"]))
            if rows is None and (template.each and first or block["type"] == "bars"):
                problems.append(PrintProblem(
                    _("table") if block["type"] == "table" else _("chart"),
                    _("unknown list {name}").format(name=block["rows"])))
            for row in rows or []:
                row_keys |= set(row)
                break
            row_keys |= set(context.get("_row_keys", {}).get(block["rows"], ()))
    reported = set()
    for where, text, scope in template.texts():
        for bad in text.bad:
            problems.append(PrintProblem(where, _("{token} is not a placeholder; write it like "
                                                  "{{{{desa.nama}}}}.")
                                         .format(token=bad)))
        for key in text.keys:
            known = page_keys | row_keys if scope == "row" else page_keys
            if key not in known and (where, key) not in reported:
                reported.add((where, key))
                problems.append(PrintProblem(where, _("unknown placeholder {{{key}}}.")
                                             .format(key=key)))
            elif scope == "signature" or key in hints:
                value = first.get(key, context.get(key))
                if key in known and (value is None or str(value).strip() == "") \
                        and key not in reported:
                    reported.add(key)
                    problems.append(PrintProblem(where, hints.get(
                        key, _("{{{key}}} is empty but the signature needs it.")
                        .format(key=key))))
    problems.extend(_bar_problems(template, context, items))
    logo = context.get("desa.logo")
    if logo:
        logo_path = Path(logo)
        if not logo_path.is_file():
            problems.append(PrintProblem(_("logo"), _("The logo file {path} is missing. Choose "
                                                      "the logo again in Settings → Village, "
                                                      "or remove it.").format(path=logo)))
        else:
            try:
                from reportlab.lib.utils import ImageReader
                ImageReader(str(logo_path)).getSize()
            except Exception:  # noqa: BLE001 - any decoder failure means "not a picture"
                problems.append(PrintProblem(_("logo"), _(
                    "The logo file {path} is not a picture the program can read (use PNG or "
                    "JPG). Choose another one in Settings → Village.").format(path=logo)))
    return problems


def _bar_problems(template: Template, context: dict[str, Any], items: list[dict]):
    """A ``bars`` value that is not a number (zero or more), named by its bar."""
    for number, block in enumerate(template.blocks, 1):
        if block.get("type") != "bars":
            continue
        where = _("block {number} ({type})").format(number=number, type="bars")
        label = Text(block.get("label", ""))
        series = [(Text(s.get("title", "")), Text(s.get("value", "")))
                  for s in block["series"]]
        for item in items:
            for row in item.get(block["rows"], context.get(block["rows"])) or []:
                for title, value in series:
                    filled = value.fill(row, item, context)
                    if bar_value(filled) is None:
                        yield PrintProblem(where, _(
                            "the value of {series} for {label} is {value!r}, not a number; "
                            "a bar shows a count or measure of zero or more.").format(
                            series=title.fill(item, context) or value.source,
                            label=label.fill(row, item, context) or "?", value=filled))
