"""SQLAlchemy models. Importing this package registers every table on Base.metadata."""

from .audit import AuditEvent, RecordSeal
from .base import Base, new_id, utcnow
from .bundles import (ExchangeBase, ExchangeBundle, ExchangeQueueItem, ExchangeSent,
                      ExchangeTombstone)
from .care import FosterMatch, FosterSponsor, Orphan
from .exchange import OwnKey, Peer, PeerOldKey
from .imports import ImportBatch, ImportChange
from .letters import Letter, LetterCounter
from .office import Officer, Setting, User
from .programs import FlagDismissal, Participation, Program, UnregisteredRecipient
from .referrals import (Referral, ReferralAttachment, ReferralEvent, ReferralReply,
                        ReferralVisit)
from .stickers import StickerCampaign, StickerLog, StickerPhoto, StickerTarget
from .registry import Household, Member, Region
from .verval import (Musdes, MusdesAttendee, PrintLog, VervalCycle, VervalEntry,
                     VervalMember, VervalProposal)

__all__ = [
    "AuditEvent", "Base", "FosterMatch", "FosterSponsor", "Orphan", "ExchangeBase", "ExchangeBundle", "ExchangeQueueItem", "ExchangeSent", "ExchangeTombstone", "OwnKey", "Peer", "PeerOldKey", "Household", "ImportBatch", "ImportChange", "Letter",
    "FlagDismissal", "LetterCounter", "Member", "Officer", "Participation",
    "Program", "UnregisteredRecipient", "RecordSeal", "Referral", "ReferralAttachment", "ReferralEvent", "ReferralReply",
    "ReferralVisit", "StickerCampaign", "StickerLog", "StickerPhoto", "StickerTarget", "Region", "Setting", "User", "new_id", "utcnow", "Musdes",
    "MusdesAttendee",
    "PrintLog", "VervalCycle", "VervalEntry", "VervalMember", "VervalProposal",
]
