"""The stickers of a campaign as one PDF: each household's sticker with the campaign's
text, the head's name, the address, the programs received, the serial and a QR code
(forms/stiker.toml, 1, 2 or 4 to an A4 sheet)."""

from __future__ import annotations

from typing import Any

from ...core import stickers as rules
from ...core.labels import address_text
from ...core.permissions import Permission
from ...errors import InvalidInput
from ...files import safe_name
from ...i18n import _
from ..context import Actor, require
from ..registry.records import HouseholdFilter


class PrintOps:
    """The printing part of :class:`~puskesos.services.stickers.StickerService`."""

    def _printable(self, actor: Actor, campaign_id: str | None,
                   area: HouseholdFilter | None) -> tuple[Any, dict[str, Any], list[str]]:
        """(campaign, the fields of its stickers — of an area, when given —, the area's
        words); an area without any of the campaign's households is refused."""
        campaign = self.campaign(campaign_id, actor=actor)
        rows = self.targets(actor=actor, campaign_id=campaign.id, area=area)
        if not rows:
            raise InvalidInput(_("No household of the campaign {code} is in the area chosen: "
                                 "nothing to print. Choose another dusun, RW or RT.")
                               .format(code=campaign.code))
        where = area or HouseholdFilter()
        words = [p for p in (where.dusun and f"Dusun {where.dusun}",
                             where.rw and f"RW {where.rw}", where.rt and f"RT {where.rt}") if p]
        title, _newline, message = campaign.sticker_text.partition("\n")
        context = self._documents.village()
        context.update({
            "kampanye.nama": campaign.name, "kampanye.judul": title.strip(),
            "kampanye.pesan": message.strip(), "kampanye.dasar": campaign.legal_basis or "",
            "daftar.wilayah": " ".join(words) or "Seluruh desa",
            "stiker": [{
                "stiker.seri": r.serial_text,
                "stiker.qr": rules.qr_payload(campaign.id, r.serial),
                "stiker.nama": r.head_name or "-",
                "stiker.alamat": address_text(r.address, r.rt, r.rw, r.dusun) or "-",
                "stiker.bantuan": ", ".join(r.programs) or "-",
            } for r in rows],
        })
        return campaign, context, words

    def _print_area(self, actor: Actor, campaign_id: str | None,
                    area: HouseholdFilter | None, *, template: str, name: str,
                    sheet: bool):
        require(actor, Permission.EDIT_REGISTRY)
        campaign, context, words = self._printable(actor, campaign_id, area)
        where = area or HouseholdFilter()
        return self._documents.report(
            actor=actor, template_name=template, context=context, kind=template,
            reference=" ".join([campaign.code, *words]),
            cells=campaign.per_page if sheet else None,
            filename=safe_name(name, campaign.code, where.dusun,
                               f"RW{where.rw}" if where.rw else None,
                               f"RT{where.rt}" if where.rt else None) + ".pdf")

    def print_stickers(self, *, actor: Actor, campaign_id: str | None = None,
                       area: HouseholdFilter | None = None):
        """The stickers as one PDF (``Document``), as many to a sheet as the campaign
        says; an area (dusun/RW/RT) prints its households only."""
        return self._print_area(actor, campaign_id, area, template="stiker", name="stiker",
                                sheet=True)

    def print_field_list(self, *, actor: Actor, campaign_id: str | None = None,
                         area: HouseholdFilter | None = None):
        """The officers' checklist of an area's households (``Document``), in serial
        order, with room to write what happened at each house."""
        return self._print_area(actor, campaign_id, area, template="daftar_stiker",
                                name="daftar-stiker", sheet=False)

    def print_statement(self, *, actor: Actor, log_id: str):
        """The surat pernyataan of a voluntary withdrawal (``Document``), numbered from
        the letter register the first time, a SALINAN after; the head of the household
        signs it before a witness."""
        from sqlalchemy import select

        from ...core.codes import Relationship, StickerOutcome
        from ...models import Member, StickerCampaign, StickerLog, StickerTarget
        from .. import audit
        from ..audit import Change
        from ..letters import keep_first_letter
        require(actor, Permission.EDIT_REGISTRY)
        with self._db.read() as s:
            log = s.get(StickerLog, log_id)
            if log is None:
                raise InvalidInput(_("That visit is not in the log (removed?)."))
            if log.outcome != StickerOutcome.MUNDUR_SUKARELA.value:
                raise InvalidInput(_("A surat pernyataan is for a voluntary withdrawal; this "
                                     "visit is '{outcome}'.").format(
                    outcome=StickerOutcome.label_of(log.outcome)))
            target = s.get(StickerTarget, log.target_id)
            campaign = s.get(StickerCampaign, target.campaign_id)
            nik = s.scalar(select(Member.nik).where(
                Member.household_id == target.household_id, Member.deleted_at.is_(None),
                Member.relationship_code == Relationship.KEPALA.value))
            context = self._documents.village()
            context.update({
                "warga.nama": target.head_name or "", "warga.nik": nik or "-",
                "warga.alamat": address_text(target.address, target.rt, target.rw,
                                             target.dusun) or "-",
                "warga.bantuan": ", ".join(target.programs or ()) or "-",
                "kampanye.nama": campaign.name,
                "stiker.seri": rules.serial_text(campaign.code, target.serial),
                "saksi": log.witnesses or "",
            })
            letter_id, serial = log.letter_id, context["stiker.seri"]

        def link(s, issued_id: str) -> str:
            row = s.get(StickerLog, log_id, with_for_update=True)
            before = row.letter_id
            if keep_first_letter(s, row, issued_id) != issued_id:
                return row.letter_id
            audit.append(s, actor, "update", [Change("sticker_log", row.id, "letter_id",
                                                     before, issued_id)], None)
            return issued_id

        return self._documents.numbered_letter(
            actor=actor, template_name="pernyataan_mundur", context=context,
            letter_type="pernyataan_mundur", subject=f"Pernyataan mundur {serial}",
            entity="sticker_log", entity_id=log_id, letter_id=letter_id, link=link,
            filename=lambda number: safe_name("pernyataan-mundur", serial) + ".pdf")
