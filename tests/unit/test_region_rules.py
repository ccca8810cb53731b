"""Rules of the Kemendagri region list as the operator meets them: the codes typed in
the settings and the region picker, the names shown on letterheads, and the NIK
prefix check.  The shipped list's size and the basic lookups are in test_regions.py.

Some tests read the shipped file afresh (``RegionSource()``) instead of using the
shared, cached ``regions()``, so that the reading itself is checked each time.
"""

import locale

import pytest

from puskesos.core.regions import Region, RegionSource, normalize_code, regions

JLODRO = "35.23.01.2001"


# --- codes as typed ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["35 23 01 2001", "3523 012001", "35.23. 01.2001",
                                   "\t35230120 01\n"])
def test_a_code_typed_with_spaces_is_the_same_village(typed):
    assert normalize_code(typed) == JLODRO
    path = regions().path(typed)
    assert path is not None and path.desa.name == "Jlodro"


def test_partial_codes_are_split_at_each_level():
    assert normalize_code("35") == "35"
    assert normalize_code("3523") == "35.23"
    assert normalize_code("35 23 01") == "35.23.01"
    assert regions().get("3523").name == "Kabupaten Tuban"


def test_a_code_with_a_letter_in_it_is_not_reshaped_and_finds_nothing():
    """A typo (the letter O for a zero) is kept as typed, so that the message shows
    what the operator typed, and no village is found for it."""
    assert normalize_code("352301200O") == "352301200O"
    assert normalize_code("35 23 0I") == "35230I"
    assert regions().get("352301200O") is None
    assert regions().path("352301200O") is None


@pytest.mark.parametrize("typed", ["35230120019", "352301200199999", "35 23 01 2001 9"])
def test_a_village_code_with_a_digit_too_many_is_not_taken_for_a_village(typed):
    """One key pressed twice must not quietly become Jlodro: the code is kept as typed
    and nothing is found, so the settings refuse it."""
    assert normalize_code(typed) == "".join(typed.split())
    assert regions().get(typed) is None
    assert regions().path(typed) is None


# --- reading the shipped list --------------------------------------------------------


def test_the_shipped_list_names_its_source_and_decree():
    source = RegionSource()
    assert source.source.startswith("source: cahyadsn/wilayah")
    assert source.source.endswith("decree: Kepmendagri 300.2.2-2138/2025")
    # the comment line is not a region
    assert all(not code.startswith("#") for code in source._names)


def test_every_level_of_the_shipped_list_is_read():
    source = RegionSource()
    counts = {level: source.count(level) for level in ("provinsi", "kabupaten", "kecamatan",
                                                         "desa")}
    assert counts["provinsi"] == 38 and counts["kabupaten"] == 514
    assert counts["kecamatan"] == 7285 and counts["desa"] > 83000
    assert len(source) == sum(counts.values())


def test_names_are_read_exactly_as_on_the_list():
    """Letterheads print these names: no line end, no lost trailing letter (the Roman
    numeral X of 'Hutatoruan X'), the curly apostrophe of NTT villages intact."""
    source = RegionSource()
    assert source.get("35") == Region("35", "Jawa Timur")
    assert source.get("35.23").name == "Kabupaten Tuban"
    assert source.get(JLODRO).name == "Jlodro"
    assert source.get("12.02.01.1006").name == "Hutatoruan X"
    assert source.get("12.02.01.1005").name == "Hutatoruan IX"
    assert source.get("53.07.01.2021").name == "Regapu\u2019u"
    path = source.path("3523012001")
    assert path.label == "Desa Jlodro, Kec. Kenduruan, Kabupaten Tuban, Jawa Timur"


def test_the_list_reads_the_same_on_a_computer_whose_system_encoding_is_not_utf8():
    """A village office PC with a legacy system encoding still gets 'Regapu’u'."""
    saved = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        source = RegionSource()
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    assert source.get("53.07.01.2021").name == "Regapu\u2019u"
    assert source.get("53.07.08.2019").name == "Udek Du\u2019en"


# --- the region picker: walking down the levels --------------------------------------


def test_the_picker_starts_with_the_38_provinces():
    provinces = regions().children("")
    assert len(provinces) == 38
    assert all(r.level == "provinsi" for r in provinces)
    assert Region("35", "Jawa Timur") in provinces


def test_each_level_lists_only_the_regions_inside_the_chosen_one():
    kabupaten = regions().children("35")
    assert len(kabupaten) == 38
    assert all(r.code.startswith("35.") and r.level == "kabupaten" for r in kabupaten)
    assert Region("35.23", "Kabupaten Tuban") in kabupaten
    kecamatan = regions().children("3523")
    assert len(kecamatan) == 20
    assert all(r.code.startswith("35.23.") and r.level == "kecamatan" for r in kecamatan)
    assert Region("35.23.01", "Kenduruan") in kecamatan
    desa = regions().children("35.23.01")
    assert len(desa) == 9
    assert all(r.code.startswith("35.23.01.") and r.level == "desa" for r in desa)
    assert Region(JLODRO, "Jlodro") in desa


def test_a_village_has_no_lower_level():
    assert regions().children(JLODRO) == []


# --- search --------------------------------------------------------------------------


def test_the_village_search_finds_villages_not_the_kabupaten_of_that_name():
    assert regions().search("kabupaten tuban") == []
    assert regions().search("kabupaten tuban", level=None) == [
        Region("35.23", "Kabupaten Tuban")]
    found = regions().search("kenduruan")
    assert found == [Region("35.14.09.2016", "Kenduruan")]


def test_the_list_read_afresh_finds_a_village_by_words_of_its_code_and_name():
    source = RegionSource()
    assert source.search("jlodro") == [Region(JLODRO, "Jlodro")]
    assert source.search("35.23.01.20 jlo") == [Region(JLODRO, "Jlodro")]


def test_search_shows_at_most_50_hits_or_the_limit_asked_for():
    assert len(regions().search("sumber")) == 50
    hits = regions().search("sumber", limit=5)
    assert len(hits) == 5
    assert all("sumber" in r.name.casefold() for r in hits)


# --- NIK prefix: the kecamatan of the first six digits -------------------------------


@pytest.mark.parametrize("prefix", ["35230", "3523011", "352301200", "35.23.", ""])
def test_only_exactly_six_digits_can_name_a_kecamatan(prefix):
    assert not regions().has_kecamatan(prefix)


def test_six_digits_name_a_kecamatan_only_when_it_is_on_the_list():
    assert regions().has_kecamatan("352301")
    assert regions().has_kecamatan("110101")
    assert not regions().has_kecamatan("352300")
