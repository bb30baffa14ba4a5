"""A stand-in for a model provider: deterministic, offline. Given the user's message and
the tools offered, it answers with one tool call, as a function-calling model would.

Its arguments are the ones the request scripts (``arguments``), so a test can make the
"model" answer badly; otherwise they are built from the tool's parameters schema and the
message. Swap this class for a provider SDK call in a real gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llm_schema_registry_client import SchemaExport


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]
    tool: SchemaExport  # the export the call was made against


def parameters_of(document: Any) -> dict[str, Any]:
    """The JSON Schema of a tool's arguments in a provider's tool document: OpenAI's
    ``function.parameters`` (or ``parameters`` at the top, Responses API style),
    Anthropic's ``input_schema``, Gemini's ``parameters``."""
    if not isinstance(document, dict):
        return {}
    candidates = [document.get("function"), document]
    for holder in candidates:
        if isinstance(holder, dict):
            for key in ("parameters", "input_schema"):
                if isinstance(holder.get(key), dict):
                    found: dict[str, Any] = holder[key]
                    return found
    return {}


def _value_for(schema: Any, message: str) -> Any:
    if not isinstance(schema, dict):
        return message
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return len(message.split())
    if kind == "number":
        return float(len(message))
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return message


class FakeModel:
    name = "fake-model-1"

    def reply(
        self,
        message: str,
        tools: list[SchemaExport],
        *,
        tool: str | None = None,
        arguments: dict[str, Any] | None = None,
    ) -> ToolCall:
        """The tool named ``tool``, else the first whose name the message mentions, else
        the first one offered."""
        if not tools:
            raise LookupError("no tools offered")
        chosen = next((t for t in tools if t.name == tool), None) if tool else None
        if tool and chosen is None:
            raise LookupError(f"no tool named {tool!r}")
        if chosen is None:
            chosen = next((t for t in tools if t.name in message), tools[0])
        if arguments is None:
            parameters = parameters_of(chosen.document)
            properties = parameters.get("properties") or {}
            arguments = {name: _value_for(schema, message) for name, schema in properties.items()}
        return ToolCall(chosen.name, arguments, chosen)
