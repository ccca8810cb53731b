"""Code lists of the Puskesos' own work (not of the DTSEN instrument): referrals and
house labelling.  :mod:`.codes` re-exports them, so callers name every code list as
``codes.X``."""

from __future__ import annotations

from .code_list import CodeList


# ---------------------------------------------------------------- rujukan (referrals)
class ReferralStatus(CodeList):
    """Where a resident's request stands (the SLRT front office's referral; the rules
    of which status may follow which are in core/referrals.py)."""

    DRAFT = ("draft", "Draf")
    TERCATAT = ("tercatat", "Tercatat")
    SELESAI_DI_DESA = ("selesai_di_desa", "Selesai di desa")
    DIRUJUK = ("dirujuk", "Dirujuk")
    DITERIMA = ("diterima", "Diterima layanan")
    DIPROSES = ("diproses", "Diproses")
    SELESAI = ("selesai", "Selesai")
    DITOLAK = ("ditolak", "Ditolak")
    TIDAK_DAPAT_DITINDAKLANJUTI = ("tidak_dapat", "Tidak dapat ditindaklanjuti")
    DIBATALKAN = ("dibatalkan", "Dibatalkan")


class ReferralCategory(CodeList):
    """What the resident needs (keluhan), as the monthly report groups it."""

    KESEHATAN = ("kesehatan", "Kesehatan")
    PENDIDIKAN = ("pendidikan", "Pendidikan")
    ADMINDUK = ("adminduk", "Administrasi kependudukan", "Adminduk")
    BANSOS = ("bansos", "Bansos/DTSEN")
    DISABILITAS = ("disabilitas", "Disabilitas")
    LANSIA = ("lansia", "Lansia")
    ANAK = ("anak", "Anak")
    RTLH = ("rtlh", "Rumah tidak layak huni", "RTLH")
    EKONOMI = ("ekonomi", "Ekonomi/pekerjaan")
    BENCANA = ("bencana", "Bencana")
    LAINNYA = ("lainnya", "Lainnya")


class ReferralUrgency(CodeList):
    """How soon the request must be followed up (sets the first follow-up date)."""

    BIASA = ("biasa", "Biasa")
    SEGERA = ("segera", "Segera")
    DARURAT = ("darurat", "Darurat")


class ReferralChannel(CodeList):
    """How the request reached the Puskesos."""

    DATANG = ("datang", "Datang langsung")
    KUNJUNGAN = ("kunjungan", "Kunjungan rumah")
    TELEPON = ("telepon", "Telepon/WA")
    RT_RW = ("rt_rw", "Melalui RT/RW")



# ---------------------------------------------------------------- stiker (house labelling)
class StickerOutcome(CodeList):
    """What happened at a household of a labelling campaign (domain.md §5); a
    household may have several over time, the latest counts."""

    TERPASANG = ("terpasang", "Terpasang")
    DITOLAK = ("ditolak", "Ditolak")
    MUNDUR_SUKARELA = ("mundur", "Mundur sukarela (graduasi mandiri)", "Mundur sukarela")
    TIDAK_DITEMUKAN = ("tidak_ditemukan", "Tidak ditemukan")
    PINDAH = ("pindah", "Pindah")
    MENINGGAL = ("meninggal", "Meninggal")
    RUSAK_ATAU_DILEPAS = ("rusak", "Rusak atau dilepas (perlu kunjungan ulang)",
                          "Rusak/dilepas")


# ---------------------------------------------------------------- exchange bundles
class BundleStatus(CodeList):
    """Where a bundle stands: one sent waits for its receipt (then received or
    refused); one received was applied; a receipt this office sent is final."""

    SENT = ("sent", "Menunggu tanda terima")
    ACCEPTED = ("accepted", "Diterima")
    REJECTED = ("rejected", "Ditolak")
    APPLIED = ("applied", "Diterapkan")
    FINAL = ("final", "Tanda terima terkirim")


class QueueStatus(CodeList):
    """A field a bundle left for a person: waiting, or settled one way."""

    OPEN = ("open", "Menunggu keputusan")
    OURS = ("ours", "Nilai kita dipertahankan")
    THEIRS = ("theirs", "Nilai kantor lain diambil")


class ReceiptStatus(CodeList):
    """What a receipt says the receiver did with a bundle."""

    APPLIED = ("applied", "Diterapkan")
    ALREADY = ("already", "Sudah diterapkan sebelumnya")
    REFUSED = ("refused", "Ditolak")


# ---------------------------------------------------------------- the office
class OfficeKind(CodeList):
    """What a database's office is: a village (its Kemendagri code 35.23.01.2001) or a
    kabupaten/kota (35.23), the two ends of the exchange bundles (issue 16)."""

    DESA = ("desa", "Desa/Kelurahan")
    KABUPATEN = ("kabupaten", "Kabupaten/Kota")


class PeerStanding(CodeList):
    """What an identity file is to this office before it is trusted (never stored)."""

    NEW = ("new", "Belum dipercaya")
    TRUSTED = ("trusted", "Sudah dipercaya")
    REPLACEMENT_SIGNED = ("replacement_signed", "Kunci pengganti, ditandatangani kunci lama")
    REPLACEMENT_UNSIGNED = ("replacement_unsigned", "Kunci pengganti tanpa tanda tangan kunci "
                                                    "lama")
    REVOKED = ("revoked", "Kantor ini dicabut kepercayaannya")
