"""The OpenAPI document's components, generated from fengqiao's own JSON Schema (:func:`fengqiao.json_schema`).

Every ``$defs`` entry of the dispute's and the events' schemas becomes a component under
``#/components/schemas/`` (``Party``, ``Discovered``, ``MediatePayload`` …), with its references
rewritten to point there; ``Dispute`` and ``EventDocument`` are the documents as
:func:`fengqiao.dumps` writes them (with their ``schema`` key), which is what the routes answer.
"""

from __future__ import annotations

import json
from typing import Any

from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Event
from fengqiao.serde import json_schema

__all__ = ["components", "ref"]

_DEFS = "#/$defs/"
_COMPONENTS = "#/components/schemas/"


def ref(name: str) -> dict[str, Any]:
    """A reference to the component ``name``."""
    return {"$ref": f"{_COMPONENTS}{name}"}


def components() -> dict[str, Any]:
    """The schemas fengqiao's documents are made of, as OpenAPI components (draft 2020-12 JSON Schema)."""
    dispute, event = json_schema(Dispute), json_schema(Event)
    found: dict[str, Any] = {**event.pop("$defs"), **dispute.pop("$defs")}
    found["Dispute"] = {k: v for k, v in dispute.items() if k != "$schema"}
    found["EventDocument"] = {k: v for k, v in event.items() if k != "$schema"}
    text = json.dumps(found, ensure_ascii=False).replace(f'"{_DEFS}', f'"{_COMPONENTS}')
    rewritten: dict[str, Any] = json.loads(text)
    return rewritten
