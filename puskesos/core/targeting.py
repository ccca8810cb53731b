"""Who social aid is for, as the village's tools choose households.

DTSEN ranks households by welfare in deciles (desil 1 = the poorest tenth of
the country); national social aid (PKH, BPNT/Sembako, PBI-JK) targets desil
1–4.  A new verval cycle takes these households unless the operator chooses
otherwise.  Issue 17 (program targeting) makes the ceiling configurable per
program; this is the default.
"""

from __future__ import annotations

#: the desil of the households national social aid targets
AID_TARGET_DESILS = (1, 2, 3, 4)
