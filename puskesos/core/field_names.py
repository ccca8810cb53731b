"""The names of the household's and the member's own fields as a person reads them
(English source, translated at use); :mod:`.labels` adds the DTSEN questions and
values.  Apart so that the rules of :mod:`.validation` can name a field."""

from __future__ import annotations

from ..i18n import N_

HOUSEHOLD_LABELS = {
    "no_kk": N_("No KK"),
    "dtsen_id": N_("DTSEN ID"),
    "dusun": N_("Dusun"),
    "rw": N_("RW"),
    "rt": N_("RT"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "family_status": N_("Family status (KK)"),
    "building_ownership": N_("Ownership of the house"),
    "land_proof": N_("Proof of land ownership"),
    "floor_area": N_("Floor area (m²)"),
    "floor": N_("Floor"),
    "wall": N_("Wall"),
    "roof": N_("Roof"),
    "drinking_water": N_("Drinking water"),
    "septic_distance": N_("Distance from water to septic tank"),
    "lighting": N_("Lighting"),
    "power_capacity": N_("Electric power"),
    "cooking_fuel": N_("Cooking fuel"),
    "toilet_facility": N_("Toilet facility"),
    "toilet_type": N_("Toilet type"),
    "sewage_disposal": N_("Sewage disposal"),
    "assets": N_("Assets"),
    "members": N_("Members"),
    "note": N_("Note"),
    "desil": N_("Desil"),
    "desil_period": N_("Desil period"),
    "split_from": N_("Split from household"),
    "merged_into": N_("Merged into household"),
    "deleted_reason": N_("Removal reason"),
}

MEMBER_LABELS = {
    "name": N_("Name"),
    "sex": N_("Sex"),
    "relationship_code": N_("Relationship to head"),
    "nik": N_("NIK"),
    "birth_place": N_("Place of birth"),
    "birth_date": N_("Date of birth"),
    "marital_status": N_("Marital status"),
    "religion": N_("Religion"),
    "school_attendance": N_("School attendance"),
    "education_level": N_("Highest education"),
    "work_status": N_("Work status"),
    "occupation": N_("Occupation"),
    "disability": N_("Disability"),
    "chronic_illness": N_("Chronic illness"),
    "pregnant": N_("Pregnant"),
    "presence": N_("Presence"),
    "presence_date": N_("Date of death/moving"),
    "presence_note": N_("Note on presence"),
    "household_id": N_("Household"),
}
