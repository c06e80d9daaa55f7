"""Names for JSON data whose shape is open.

A credential, DID document, proof or status list is open-world JSON-LD: any member may hold any
JSON value, and the checks that read it test each value's type before use. ``Any`` is therefore
the honest element type there; data with a fixed shape gets a struct or TypedDict where it is made.
"""
from __future__ import annotations

from typing import Any, TypeAlias

# A parsed JSON object (``json.loads`` of ``{...}``).
JsonObject: TypeAlias = dict[str, Any]
