"""Code lists with the official DTSEN/Regsosek wording (issue 12 point 10)."""

import pytest

from puskesos.core import codes
from puskesos.core.regions import regions, titled


def test_work_status_and_illness_carry_the_official_labels():
    assert codes.WorkStatus.label_of("2") == "Berusaha dibantu buruh tidak tetap/tidak dibayar"
    assert codes.WorkStatus.label_of("3") == "Berusaha dibantu buruh tetap/dibayar"
    assert codes.WorkStatus.label_of("5") == "ASN/TNI/Polri/BUMN/BUMD/pejabat negara"
    assert codes.ChronicIllness.label_of("16") == "Leukemia"


def test_a_verval_member_result_tells_abroad_from_within_indonesia():
    assert codes.VervalMemberResult.label_of("3") == "Pindah dalam negeri"
    assert codes.VervalMemberResult.label_of("4") == "Pindah ke luar negeri"


def test_a_village_whose_name_says_its_kind_is_not_named_twice():
    assert titled("Desa", "Jlodro") == "Desa Jlodro"
    assert titled("Desa", "Desa Baru") == "Desa Baru"
    assert titled("Kelurahan", "Kelurahan Baru") == "Kelurahan Baru"
    assert titled("Desa", "Desalinasi") == "Desa Desalinasi"
    assert regions().get("13.12.07.2002").title == "Desa Baru"
    path = regions().path("13.12.07.2002")
    assert path is not None and not path.label.startswith("Desa Desa")


@pytest.mark.parametrize(("kind", "name", "shown"), [
    ("Desa", "", "Desa"), ("Desa", None, "Desa"),          # the name not set up yet
    ("", "Jlodro", "Jlodro"), (None, "Jlodro", "Jlodro"),  # no kind known
])
def test_a_village_title_shows_only_what_is_known(kind, name, shown):
    """The login and the window's title never show a placeholder for a missing part."""
    assert titled(kind, name) == shown


def test_the_letterhead_of_such_a_village_says_it_once():
    from puskesos.services.documents import village_context
    from puskesos.services.settings import VillageIdentity
    village = VillageIdentity(code="13.12.07.2002", desa="Desa Baru", desa_kind="Desa")
    context = village_context(village)
    assert (context["desa.judul"], context["desa.judul_kop"]) == ("Desa Baru", "DESA BARU")
    assert context["desa.jabatan_lengkap"] == "Kepala Desa Baru"


def test_the_verval_form_legend_lists_every_member_result():
    """The printed legend of the 'Keberadaan' column gives each code the visit records."""
    from puskesos.printing import load_template
    template = load_template("verval")
    legend = next(b["text"] for b in [*template.blocks, *template.each]
                  if str(b.get("text", "")).startswith("*Keberadaan"))
    for code, label in codes.VervalMemberResult.choices():
        assert f"{code} {label}" in legend, (code, label)
