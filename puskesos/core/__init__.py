"""Pure domain rules: identifiers, code lists, region lookups. No I/O besides
reading packaged reference data, never Qt, never the database."""
