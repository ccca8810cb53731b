"""Code lists of the DTSEN/Regsosek instrument and the civil registry.

The database stores the *code* (always text, so leading zeros survive);
the window and the printouts show the Indonesian label.  Codes follow the
Regsosek/DTSEN questionnaire numbering (block/question in each docstring)
or the Dukcapil lists where the civil registry is the reference.
"""

from __future__ import annotations

from .code_list import CodeList


class Sex(CodeList):
    """405 jenis kelamin (stored as L/P, the civil-registry letters)."""

    L = ("L", "Laki-laki")
    P = ("P", "Perempuan")


class Relationship(CodeList):
    """409 hubungan dengan kepala keluarga (DTSEN)."""

    KEPALA = ("1", "Kepala keluarga")
    PASANGAN = ("2", "Istri/suami")
    ANAK = ("3", "Anak")
    MENANTU = ("4", "Menantu")
    CUCU = ("5", "Cucu")
    ORANG_TUA = ("6", "Orang tua/mertua")
    PEMBANTU = ("7", "Pembantu/sopir")
    LAINNYA = ("8", "Lainnya")


class MaritalStatus(CodeList):
    """408 status perkawinan."""

    BELUM_KAWIN = ("1", "Belum kawin")
    KAWIN = ("2", "Kawin")
    CERAI_HIDUP = ("3", "Cerai hidup")
    CERAI_MATI = ("4", "Cerai mati")


class Religion(CodeList):
    """Agama (Dukcapil)."""

    ISLAM = ("1", "Islam")
    KRISTEN = ("2", "Kristen")
    KATOLIK = ("3", "Katholik")
    HINDU = ("4", "Hindu")
    BUDHA = ("5", "Budha")
    KHONGHUCU = ("6", "Khonghucu")
    KEPERCAYAAN = ("7", "Kepercayaan")


class SchoolAttendance(CodeList):
    """412 partisipasi sekolah."""

    TIDAK_PERNAH = ("1", "Tidak/belum pernah sekolah")
    MASIH = ("2", "Masih sekolah")
    TIDAK_LAGI = ("3", "Tidak bersekolah lagi")


class EducationLevel(CodeList):
    """413 jenjang pendidikan tertinggi (415 adds 23 = no SD certificate)."""

    PAKET_A = ("01", "Paket A")
    SDLB = ("02", "SDLB")
    SD = ("03", "SD")
    MI = ("04", "MI")
    SPM_ULA = ("05", "SPM/PDF Ula")
    PAKET_B = ("06", "Paket B")
    SMPLB = ("07", "SMPLB")
    SMP = ("08", "SMP")
    MTS = ("09", "MTs")
    SPM_WUSTHA = ("10", "SPM/PDF Wustha")
    PAKET_C = ("11", "Paket C")
    SMLB = ("12", "SMLB")
    SMA = ("13", "SMA")
    MA = ("14", "MA")
    SMK = ("15", "SMK")
    MAK = ("16", "MAK")
    SPM_ULYA = ("17", "SPM/PDF Ulya")
    D1_D3 = ("18", "D1/D2/D3")
    D4_S1 = ("19", "D4/S1")
    PROFESI = ("20", "Profesi")
    S2 = ("21", "S2")
    S3 = ("22", "S3")
    TIDAK_PUNYA_IJAZAH = ("23", "Tidak punya ijazah SD")


class WorkStatus(CodeList):
    """418 kedudukan dalam pekerjaan, with 0 for not working (416a)."""

    TIDAK_BEKERJA = ("0", "Tidak bekerja")
    BERUSAHA_SENDIRI = ("1", "Berusaha sendiri")
    DIBANTU_TIDAK_TETAP = ("2", "Berusaha dibantu buruh tidak tetap/tidak dibayar",
                           "Usaha dibantu buruh tidak tetap")
    DIBANTU_TETAP = ("3", "Berusaha dibantu buruh tetap/dibayar", "Usaha dibantu buruh tetap")
    BURUH = ("4", "Buruh/karyawan/pegawai swasta", "Buruh/karyawan")
    PNS = ("5", "ASN/TNI/Polri/BUMN/BUMD/pejabat negara", "ASN/TNI/Polri/BUMN/BUMD")
    BEBAS_PERTANIAN = ("6", "Pekerja bebas pertanian")
    BEBAS_NON_PERTANIAN = ("7", "Pekerja bebas non-pertanian")
    PEKERJA_KELUARGA = ("8", "Pekerja keluarga/tidak dibayar", "Pekerja keluarga")


class Disability(CodeList):
    """Jenis disabilitas (Dukcapil 'cacat')."""

    FISIK = ("1", "Disabilitas fisik")
    NETRA = ("2", "Disabilitas netra/buta")
    RUNGU_WICARA = ("3", "Disabilitas rungu/wicara")
    MENTAL = ("4", "Disabilitas mental/jiwa")
    FISIK_MENTAL = ("5", "Disabilitas fisik dan mental")
    LAINNYA = ("6", "Disabilitas lainnya")
    TIDAK = ("7", "Tidak disabilitas")


class ChronicIllness(CodeList):
    """430 penyakit kronis/menahun."""

    TIDAK_ADA = ("01", "Tidak ada")
    HIPERTENSI = ("02", "Hipertensi")
    REMATIK = ("03", "Rematik")
    ASMA = ("04", "Asma")
    JANTUNG = ("05", "Masalah jantung")
    DIABETES = ("06", "Diabetes")
    TBC = ("07", "Tuberkulosis (TBC)")
    STROKE = ("08", "Stroke")
    KANKER = ("09", "Kanker/tumor ganas")
    GAGAL_GINJAL = ("10", "Gagal ginjal")
    HAEMOPHILIA = ("11", "Haemophilia")
    HIV = ("12", "HIV/AIDS")
    KOLESTEROL = ("13", "Kolesterol")
    SIROSIS = ("14", "Sirosis hati")
    THALASEMIA = ("15", "Thalasemia")
    LEUKEMIA = ("16", "Leukemia")
    ALZHEIMER = ("17", "Alzheimer")
    LAINNYA = ("18", "Lainnya")


class Presence(CodeList):
    """404 keberadaan anggota keluarga."""

    TINGGAL = ("1", "Tinggal bersama keluarga")
    MENINGGAL = ("2", "Meninggal")
    PINDAH = ("3", "Pindah dalam negeri")
    PINDAH_LN = ("4", "Pindah ke luar negeri")
    BARU = ("5", "Anggota keluarga baru")
    TIDAK_DITEMUKAN = ("6", "Tidak ditemukan")


#: the presence codes of a member who lives in the household (one there before, or one
#: new to it): these are counted, may head it and appear on its forms
LIVING = (Presence.TINGGAL.value, Presence.BARU.value)


# ---------------------------------------------------------------- household
class FamilyStatus(CodeList):
    """115 status keluarga terhadap KK."""

    SESUAI = ("0", "KK sesuai")
    INDUK = ("1", "Keluarga induk")
    PECAHAN = ("2", "Keluarga pecahan")


class BuildingOwnership(CodeList):
    """301a status kepemilikan bangunan tempat tinggal."""

    MILIK_SENDIRI = ("1", "Milik sendiri")
    KONTRAK = ("2", "Kontrak/sewa")
    BEBAS_SEWA = ("3", "Bebas sewa")
    DINAS = ("4", "Dinas")
    LAINNYA = ("5", "Lainnya")
    MENUMPANG = ("6", "Menumpang/kepemilikan bersama", "Menumpang/milik bersama")


class LandProof(CodeList):
    """301b bukti kepemilikan lahan."""

    SHM_AK = ("1", "SHM atas nama anggota keluarga", "SHM a.n. anggota keluarga")
    SHM_BUKAN_AK_TERTULIS = ("2", "SHM bukan a.n. anggota keluarga dengan perjanjian tertulis",
                             "SHM a.n. orang lain, perjanjian tertulis")
    SHM_BUKAN_AK = ("3", "SHM bukan a.n. anggota keluarga tanpa perjanjian tertulis",
                    "SHM a.n. orang lain, tanpa perjanjian")
    SHGB = ("4", "Sertifikat selain SHM (SHGB, SHSRS)", "SHGB/SHSRS")
    GIRIK = ("5", "Surat bukti lainnya (Girik, Letter C, dll.)", "Girik/Letter C/lainnya")
    TIDAK_PUNYA = ("6", "Tidak punya")


class Floor(CodeList):
    """303 jenis lantai terluas."""

    MARMER = ("1", "Marmer/granit")
    KERAMIK = ("2", "Keramik")
    PARKET = ("3", "Parket/vinil/karpet")
    UBIN = ("4", "Ubin/tegel/teraso")
    KAYU = ("5", "Kayu/papan")
    SEMEN = ("6", "Semen/bata merah")
    BAMBU = ("7", "Bambu")
    TANAH = ("8", "Tanah")
    LAINNYA = ("9", "Lainnya")


class Wall(CodeList):
    """304 jenis dinding terluas."""

    TEMBOK = ("1", "Tembok")
    PLESTERAN = ("2", "Plesteran anyaman bambu/kawat", "Plesteran bambu/kawat")
    KAYU = ("3", "Kayu/papan/gypsum/GRC/calciboard", "Kayu/papan/gypsum")
    ANYAMAN_BAMBU = ("4", "Anyaman bambu")
    BATANG_KAYU = ("5", "Batang kayu")
    BAMBU = ("6", "Bambu")
    LAINNYA = ("7", "Lainnya")


class Roof(CodeList):
    """305 jenis atap terluas."""

    BETON = ("1", "Beton")
    GENTENG = ("2", "Genteng")
    SENG = ("3", "Seng")
    ASBES = ("4", "Asbes")
    KAYU = ("5", "Kayu/sirap")
    BAMBU = ("6", "Bambu")
    JERAMI = ("7", "Jerami/ijuk/daun-daunan/rumbia", "Jerami/ijuk/daun/rumbia")
    LAINNYA = ("8", "Lainnya")


class DrinkingWater(CodeList):
    """306a sumber air minum utama."""

    KEMASAN = ("1", "Air kemasan bermerk")
    ISI_ULANG = ("2", "Air isi ulang")
    LEDING = ("3", "Leding")
    SUMUR_BOR = ("4", "Sumur bor/pompa")
    SUMUR_TERLINDUNG = ("5", "Sumur terlindung")
    SUMUR_TAK_TERLINDUNG = ("6", "Sumur tak terlindung")
    MATA_AIR_TERLINDUNG = ("7", "Mata air terlindung")
    MATA_AIR_TAK_TERLINDUNG = ("8", "Mata air tak terlindung")
    AIR_PERMUKAAN = ("9", "Air permukaan (sungai/danau/waduk/kolam/irigasi)", "Air permukaan")
    AIR_HUJAN = ("10", "Air hujan")
    LAINNYA = ("11", "Lainnya")
    PDAM = ("12", "PDAM")
    PAMDES = ("13", "PAMDES/PAMSIMAS")


class SepticDistance(CodeList):
    """306b jarak sumber air minum ke tempat penampungan tinja."""

    KURANG_10 = ("1", "Kurang dari 10 meter")
    LEBIH_10 = ("2", "10 meter atau lebih")
    TIDAK_TAHU = ("3", "Tidak tahu")


class Lighting(CodeList):
    """307a sumber penerangan utama."""

    PLN_METER = ("1", "Listrik PLN dengan meteran")
    PLN_TANPA_METER = ("2", "Listrik PLN tanpa meteran")
    NON_PLN = ("3", "Listrik non-PLN")
    BUKAN_LISTRIK = ("4", "Bukan listrik")


class PowerCapacity(CodeList):
    """307b daya terpasang."""

    W450 = ("1", "450 watt")
    W900 = ("2", "900 watt")
    W1300 = ("3", "1.300 watt")
    W2200 = ("4", "2.200 watt")
    W2200_PLUS = ("5", "Lebih dari 2.200 watt")


class CookingFuel(CodeList):
    """308 bahan bakar utama untuk memasak."""

    LISTRIK = ("1", "Listrik")
    ELPIJI_5 = ("2", "Elpiji 5,5 kg/blue gaz")
    ELPIJI_12 = ("3", "Elpiji 12 kg")
    ELPIJI_3 = ("4", "Elpiji 3 kg")
    GAS_KOTA = ("5", "Gas kota/meteran PGN")
    BIOGAS = ("6", "Biogas")
    MINYAK_TANAH = ("7", "Minyak tanah")
    BRIKET = ("8", "Briket")
    ARANG = ("9", "Arang")
    KAYU_BAKAR = ("10", "Kayu bakar")
    LAINNYA = ("11", "Lainnya")
    TIDAK_MEMASAK = ("12", "Tidak memasak di rumah")


class ToiletFacility(CodeList):
    """309a fasilitas tempat buang air besar."""

    SENDIRI = ("1", "Ada, digunakan hanya anggota keluarga sendiri", "Ada, dipakai sendiri")
    BERSAMA = ("2", "Ada, digunakan bersama anggota keluarga tertentu", "Ada, dipakai bersama")
    MCK_KOMUNAL = ("3", "Ada, di MCK komunal", "MCK komunal")
    MCK_UMUM = ("4", "Ada, di MCK umum/siapapun menggunakan", "MCK umum")
    TIDAK_DIPAKAI = ("5", "Ada, anggota keluarga tidak menggunakan", "Ada, tidak dipakai")
    TIDAK_ADA = ("6", "Tidak ada fasilitas")


class ToiletType(CodeList):
    """309b jenis kloset."""

    LEHER_ANGSA = ("1", "Leher angsa")
    PLENGSENGAN_TUTUP = ("2", "Plengsengan dengan tutup")
    PLENGSENGAN = ("3", "Plengsengan tanpa tutup")
    CEMPLUNG = ("4", "Cemplung/cubluk")


class SewageDisposal(CodeList):
    """310 tempat pembuangan akhir tinja."""

    SEPTIK = ("1", "Tangki septik")
    IPAL = ("2", "IPAL")
    KOLAM = ("3", "Kolam/sawah/sungai/danau/laut", "Kolam/sawah/sungai")
    LUBANG = ("4", "Lubang tanah")
    PANTAI = ("5", "Pantai/tanah lapang/kebun")
    LAINNYA = ("6", "Lainnya")


class Asset(CodeList):
    """Blok aset keluarga (Ya/Tidak items; livestock are counts)."""

    TABUNG_GAS = ("gas", "Tabung gas 5,5 kg atau lebih")
    LEMARI_ES = ("kulkas", "Lemari es/kulkas")
    AC = ("ac", "AC")
    PEMANAS_AIR = ("pemanas", "Pemanas air (water heater)")
    TELEPON = ("telepon", "Telepon rumah (PSTN)")
    TV = ("tv", "Televisi layar datar (min. 30 inci)")
    EMAS = ("emas", "Emas/perhiasan (min. 10 gram)")
    KOMPUTER = ("komputer", "Komputer/laptop/tablet")
    SEPEDA_MOTOR = ("motor", "Sepeda motor")
    SEPEDA = ("sepeda", "Sepeda")
    MOBIL = ("mobil", "Mobil")
    PERAHU = ("perahu", "Perahu")
    PERAHU_MOTOR = ("perahu_motor", "Kapal/perahu motor")
    SMARTPHONE = ("smartphone", "Smartphone")
    LAHAN = ("lahan", "Lahan (selain yang ditempati)")
    RUMAH_LAIN = ("rumah_lain", "Rumah di tempat lain")


class Livestock(CodeList):
    """Jumlah ternak (counts)."""

    SAPI = ("sapi", "Sapi")
    KERBAU = ("kerbau", "Kerbau")
    KUDA = ("kuda", "Kuda")
    BABI = ("babi", "Babi")
    KAMBING = ("kambing", "Kambing/domba")


# ---------------------------------------------------------------- programs
class ParticipationSource(CodeList):
    """How a program participation became known to the village."""

    IMPORT = ("import", "Impor data kabupaten/DTSEN")
    MUSDES = ("musdes", "Keputusan musdes")
    MANUAL = ("manual", "Dicatat operator")


class ParticipationStatus(CodeList):
    AKTIF = ("aktif", "Aktif")
    BERHENTI = ("berhenti", "Berhenti")
    DIUSULKAN = ("usulan", "Diusulkan")


#: Programs seeded into a new database: (code, name, target).
#: ``target`` is who the program is registered to: keluarga or individu.
DEFAULT_PROGRAMS: tuple[tuple[str, str, str], ...] = (
    ("PKH", "Program Keluarga Harapan", "keluarga"),
    ("BPNT", "Bantuan Pangan Non Tunai/Sembako", "keluarga"),
    ("PBI", "Penerima Bantuan Iuran JKN (PBI-JK)", "individu"),
    ("BLT_DD", "BLT Dana Desa", "keluarga"),
    ("PIP", "Program Indonesia Pintar (KIP)", "individu"),
    ("ATENSI", "Asistensi Rehabilitasi Sosial (ATENSI)", "individu"),
    ("RUTILAHU", "Rehabilitasi Rumah Tidak Layak Huni", "keluarga"),
    ("PERMAKANAN", "Permakanan lansia/disabilitas", "individu"),
    ("SUBSIDI_LISTRIK", "Subsidi listrik", "keluarga"),
    ("SUBSIDI_LPG", "Subsidi LPG 3 kg", "keluarga"),
    ("BANTUAN_PEMDA", "Bantuan pemerintah daerah", "keluarga"),
    ("BAZNAS", "Santunan BAZNAS (zakat, infak)", "keluarga"),
    # programs that raise income, not only lower a burden (the forums ask for them)
    ("PENA", "Pahlawan Ekonomi Nusantara (PENA)", "keluarga"),
    ("KUBE", "Kelompok Usaha Bersama (KUBE)", "keluarga"),
)


# ---------------------------------------------------------------- verval
class VervalResult(CodeList):
    """Result of a household visit in a verval cycle (the box ticked on the form)."""

    TETAP = ("1", "Tetap (data sesuai)")
    PERBAIKAN_DATA = ("2", "Perbaikan data")
    TIDAK_DITEMUKAN = ("3", "Tidak ditemukan")
    PINDAH = ("4", "Pindah")
    MENINGGAL = ("5", "Meninggal")
    GANDA = ("6", "Data ganda")
    MAMPU_TIDAK_LAYAK = ("7", "Mampu/tidak layak")
    MENOLAK = ("8", "Menolak diverifikasi")
    USULAN_BARU = ("9", "Usulan baru")


class VervalMemberResult(CodeList):
    """Keberadaan of a member found at the visit (codes of form 404)."""

    TINGGAL = ("1", "Tinggal bersama keluarga")
    MENINGGAL = ("2", "Meninggal")
    PINDAH = ("3", "Pindah dalam negeri")
    PINDAH_LN = ("4", "Pindah ke luar negeri")
    ANGGOTA_BARU = ("5", "Anggota keluarga baru")
    TIDAK_DITEMUKAN = ("6", "Tidak ditemukan")


class MusdesDecision(CodeList):
    """What the village deliberation decided for a household of the cycle."""

    TETAP = ("tetap", "Tetap")
    HAPUS = ("hapus", "Dikeluarkan")
    USULAN_BARU = ("usulan", "Diusulkan baru")
    # the short one in the verval list, whole on a 1024-pixel screen
    PERBAIKAN = ("perbaikan", "Tetap dengan perbaikan data", "Tetap, diperbaiki")


class ProposalStatus(CodeList):
    DIUSULKAN = ("usulan", "Menunggu persetujuan")
    DISETUJUI = ("setuju", "Disetujui")
    DITOLAK = ("tolak", "Ditolak")


class CycleStatus(CodeList):
    """A verval cycle takes visits while open; closed once its results were sent."""

    OPEN = ("open", "Terbuka")
    CLOSED = ("closed", "Ditutup")


class VervalState(CodeList):
    """Where a household stands in the most recent verval cycle (the list's filter)."""

    PENDING = ("pending", "Belum dikunjungi")
    VISITED = ("visited", "Sudah dikunjungi")
    PROPOSAL = ("proposal", "Perbaikan menunggu persetujuan")
    NOT_IN_CYCLE = ("not_in_cycle", "Tidak ada di siklus terakhir")


# ---------------------------------------------------------------- records of the office
class ImportStatus(CodeList):
    """An import batch stays applied until it is undone."""

    APPLIED = ("applied", "Diterapkan")
    UNDONE = ("undone", "Dibatalkan")


class LetterStatus(CodeList):
    """A numbered letter stays issued unless it is voided (its number is never reused)."""

    ISSUED = ("issued", "Terbit")
    VOID = ("void", "Dibatalkan")



# ---------------------------------------------------------------- people of the office
class Role(CodeList):
    """Roles of program users; enforced in the services."""

    OPERATOR = ("operator", "Operator")
    KOORDINATOR = ("koordinator", "Ketua/Koordinator Puskesos")
    KEPALA_DESA = ("kepala_desa", "Kepala Desa")
    ADMIN = ("admin", "Administrator")


class OfficerRole(CodeList):
    """Roster roles of the Puskesos officers and partners."""

    KOORDINATOR = ("koordinator", "Ketua/Koordinator Puskesos")
    FRONT_OFFICE = ("front_office", "Petugas front office")
    BACK_OFFICE = ("back_office", "Petugas back office")
    OPERATOR = ("operator", "Operator desa")
    TKSK = ("tksk", "TKSK")
    PSM = ("psm", "PSM")
    PENDAMPING_PKH = ("pendamping_pkh", "Pendamping PKH")
    PENDAMPING_DESA = ("pendamping_desa", "Pendamping desa")
    KADER = ("kader", "Kader")
    FASILITATOR = ("fasilitator", "Fasilitator/relawan")
    LAINNYA = ("lainnya", "Lainnya")


# the Puskesos' own work: referrals and house labelling (kept apart for its size)
from .case_codes import (BundleStatus, OfficeKind, PeerStanding, QueueStatus,  # noqa: E402
                         ReceiptStatus, ReferralCategory, ReferralChannel, ReferralStatus,
                         ReferralUrgency, StickerOutcome)

__all__ = [name for name, value in dict(globals()).items()
           if isinstance(value, type) and issubclass(value, CodeList)]
