"""Reading the values a visit records: typed text to stored values, and the
"new member" proposal (a person found at the visit) to and from its JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ...core import codes
from ...core.bahasa import short_date
from ...core.normalize import date_cell
from ...errors import InvalidInput
from ...i18n import _
from .dto import MemberFinding


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return short_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def _coded(target: str, field: str, text: str | None) -> str | None:
    """A coded field's value as its code: "Keramik" or "1" → "1"; unknown → InvalidInput.
    An RT or RW is written as the registry keeps it ("1" → "001")."""
    if field in ("rt", "rw") and text:
        from ...core.normalize import area_number
        return area_number(text.strip())
    from ...core.validation import HOUSEHOLD_CODE_FIELDS, MEMBER_CODE_FIELDS
    from ...core.questions import FlagSet, question, read_answer
    q = question(target, field)
    if q is not None and isinstance(q.choices, FlagSet) and text:
        try:
            return read_answer(q, text)
        except ValueError:
            raise InvalidInput(_("{value} is not a choice for this field; use one of: "
                                 "{choices}.").format(value=text, choices="; ".join(
                                     label for _v, label in q.choices.items))) from None
    code_list = (HOUSEHOLD_CODE_FIELDS if target == "household" else MEMBER_CODE_FIELDS) \
        .get(field)
    if code_list is None or not text:
        return text
    try:
        member = code_list.from_code(text)
    except ValueError:
        wanted = text.strip().lower()
        member = next((m for m in code_list if m.label.lower() == wanted
                       or m.label.lower().startswith(wanted)), None)
    if member is None:
        raise InvalidInput(_("{value} is not a choice for this field; use one of: "
                             "{choices}.").format(value=text, choices="; ".join(
                                 f"{m.value} {m.label}" for m in code_list)))
    return member.value


def _parse_value(field: str, text: str | None, example: Any) -> Any:
    """The typed value of a proposal's text for a registry field."""
    if text is None or text == "":
        return None
    if field in ("birth_date", "presence_date"):
        value, problem = date_cell(text)
        if problem:
            raise InvalidInput(problem)
        return value
    if field in ("floor_area",):
        try:
            return float(str(text).replace(",", "."))
        except ValueError:
            raise InvalidInput(_("{value} is not a number.").format(value=text)) from None
    from ...core.questions import question, read_answer
    q = question("member", field) or question("household", field)
    if q is not None and q.kind in ("count", "area"):
        try:
            return read_answer(q, text)
        except ValueError:
            raise InvalidInput(_("{value} is not a number.").format(value=text)) from None
    return str(text).strip()


#: the target of a proposal to add a person found at the visit (target_id: the
#: household, field: the person's name, new value: the details as JSON)
NEW_MEMBER = "new_member"


def _json_text(details: dict) -> str:
    import json
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


def _new_member(finding: "MemberFinding") -> dict:
    """The details of a new member found at the visit, checked: sex and date of birth
    from a valid NIK when not given; what the NIK check warns about (a date of birth
    or sex that does not match the NIK) kept as ``warnings`` for the koordinator."""
    from ...core.identifiers import check_nik
    name = " ".join((finding.name or "").split()).upper()
    if len(name) > 120:
        raise InvalidInput(_("The name {name}… is longer than 120 letters.").format(
            name=name[:40]))
    nik = (finding.nik or "").strip() or None
    sex, born = finding.sex or None, finding.birth_date
    warnings: list[str] = []
    if nik:
        checked = check_nik(nik, birth_date=born, sex=sex if sex in ("L", "P") else None)
        error = next((i.message for i in checked.errors), None)
        if error:
            raise InvalidInput(_("New member {name}: {error}").format(name=name, error=error))
        warnings = [i.message for i in checked.warnings]
        nik = checked.value
        if checked.info is not None:
            sex = sex or checked.info.sex
            born = born or checked.info.birth_date
    if sex not in (None, "L", "P"):
        raise InvalidInput(_("New member {name}: write the sex as L or P.").format(name=name))
    relationship = finding.relationship_code or None
    if relationship is not None:
        try:
            codes.Relationship(relationship)
        except ValueError:
            raise InvalidInput(_("New member {name}: choose the relationship to the head of "
                                 "the family.").format(name=name)) from None
    details = {"name": name, "nik": nik, "sex": sex,
               "birth_date": born.isoformat() if born else None,
               "relationship_code": relationship}
    if warnings:
        details["warnings"] = warnings
    return details


def _new_member_key(details: dict) -> str:
    """The key of a new member's proposal: the NIK, else a digest of name and date of
    birth (two people of one name are two proposals)."""
    import hashlib
    if details.get("nik"):
        return "nik:" + details["nik"]
    text = f"{details['name']}|{details.get('birth_date') or ''}"
    return "nama:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:32]


def new_member_text(value: str | None, show_nik: bool = True) -> str:
    """A new member's details as a person reads them (NIK masked unless ``show_nik``)."""
    import json

    from ...core.identifiers import mask_nik
    try:
        d = json.loads(value or "{}")
    except ValueError:
        return value or ""
    parts = [d.get("name") or "-"]
    if d.get("nik"):
        parts.append("NIK " + (d["nik"] if show_nik else mask_nik(d["nik"])))
    if d.get("sex"):
        parts.append(d["sex"])
    if d.get("birth_date"):
        parts.append(short_date(date.fromisoformat(d["birth_date"])))
    if d.get("relationship_code"):
        parts.append(codes.Relationship.label_of(d["relationship_code"]))
    text = " · ".join(parts)
    if d.get("warnings"):
        text += " · " + _("warning: {what}").format(what="; ".join(d["warnings"]))
    return text


def _matching_member(members, details: dict):
    """The member (input or record) who is the person of a new-member proposal: the
    same NIK, or without one the same name and date of birth; else None."""
    for m in members:
        if (details.get("nik") and m.nik == details["nik"]) or (
                not details.get("nik") and m.name == details.get("name")
                and (m.birth_date.isoformat() if m.birth_date else None)
                == details.get("birth_date")):
            return m
    return None


def _new_member_name(details_text: str | None) -> str:
    import json
    try:
        return json.loads(details_text or "{}").get("name") or ""
    except ValueError:
        return ""


def _with_new_member(members: list, details_text: str | None) -> tuple[list, bool]:
    """The household's members with the person of a new-member proposal added, and
    whether the person is there already (an approval interrupted after the save)."""
    import json

    from ...core.validation import MemberInput
    d = json.loads(details_text or "{}")
    if _matching_member(members, d) is not None:
        return members, True
    if not d.get("sex"):
        raise InvalidInput(_("The sex of {name} is not known (no valid NIK). Add the person "
                             "in the household form, then reject this proposal.")
                           .format(name=d.get("name") or "-"))
    person = MemberInput(name=d["name"], sex=d["sex"], nik=d.get("nik"),
                         relationship_code=d.get("relationship_code")
                         or codes.Relationship.LAINNYA.value,
                         birth_date=date.fromisoformat(d["birth_date"])
                         if d.get("birth_date") else None)
    return [*members, person], False
