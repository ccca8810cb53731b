from puskesos.core.regions import normalize_code, regions


def test_full_kemendagri_list_is_shipped():
    r = regions()
    assert r.count("provinsi") == 38
    assert r.count("kabupaten") == 514
    assert r.count("kecamatan") == 7285
    assert r.count("desa") > 83000
    assert "Kepmendagri" in r.source


def test_village_path_and_kind():
    path = regions().path("3523012001")
    assert path is not None
    assert path.kabupaten.name == "Kabupaten Tuban"
    assert path.provinsi.name == "Jawa Timur"
    assert path.desa.kind == "Desa"
    assert "Kec. Kenduruan" in path.label


def test_kelurahan_kind_and_unknown_codes():
    kel = next(r for r in regions().children("35.78.01") if r.code[9] == "1")
    assert kel.kind == "Kelurahan"
    assert regions().path("99.99.99.9999") is None
    assert regions().path("35.23") is None


def test_search_by_name_words_and_code():
    found = regions().search("jlodro")
    assert [r.code for r in found] == ["35.23.01.2001"]
    assert regions().search("35.23.01.20", limit=5)[0].code.startswith("35.23.01.20")
    assert regions().search("kenduruan", level="kecamatan")[0].code == "35.23.01"


def test_normalize_code():
    assert normalize_code("3523012001") == "35.23.01.2001"
    assert normalize_code(" 35.23.01.2001 ") == "35.23.01.2001"
    assert normalize_code("352301") == "35.23.01"


def test_kecamatan_prefix_lookup():
    assert regions().has_kecamatan("352301")
    assert not regions().has_kecamatan("352399")
