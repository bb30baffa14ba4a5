"""Each export checked by the provider's own SDK: its request types take the object as it
is, and the request the SDK builds (over a mock transport, no network) carries it
unchanged."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import pytest
from anthropic.types import ToolParam
from google import genai
from google.genai import types as genai_types
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import TypeAdapter

from registry.providers.export import ExportTarget, export_schema
from tests.unit.registry.export_schemas import (
    ADDRESS,
    CLOSED_TOOLS,
    OPEN_SHARED,
    OPEN_WEATHER,
    PYDANTIC_STYLE,
    SHIPMENT,
    parsed,
    reference,
)

T = ExportTarget
SUBJECT = "tools.lookup"
CLOSED = [
    *[parsed(schema) for schema in CLOSED_TOOLS.values()],
    parsed(SHIPMENT, (reference("address.json", "types.address", ADDRESS),)),
]
OPEN = [parsed(OPEN_WEATHER), parsed(OPEN_SHARED), parsed(PYDANTIC_STYLE)]
IDS = [*CLOSED_TOOLS, "shipment"]


def exported(schema: Any, target: ExportTarget) -> Any:
    return export_schema(schema, target, SUBJECT, description="Look it up").document


class Captured:
    """The JSON body of the one request a client sends, answered with ``reply``."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply
        self.body: Any = None

    def __call__(self, request: Any) -> Any:
        self.body = json.loads(request.content)
        module = httpx2 if isinstance(request, httpx2.Request) else httpx
        return module.Response(200, json=self.reply)


OPENAI_REPLY: dict[str, Any] = {
    "id": "c",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [],
}
ANTHROPIC_REPLY: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "m",
    "content": [],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


def openai_client(captured: Captured) -> openai.OpenAI:
    transport = httpx2.MockTransport(captured)
    return openai.OpenAI(
        api_key="test",
        base_url="http://provider.invalid/v1",
        http_client=httpx2.Client(transport=transport),
        max_retries=0,
    )


@pytest.mark.parametrize("schema", CLOSED, ids=IDS)
def test_openai_tool_is_a_chat_completions_function_tool_param(schema: Any) -> None:
    tool = exported(schema, T.OPENAI_TOOL)
    assert TypeAdapter(ChatCompletionFunctionToolParam).validate_python(tool) == tool

    captured = Captured(OPENAI_REPLY)
    openai_client(captured).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}], tools=[tool]
    )
    assert captured.body["tools"] == [tool]


@pytest.mark.parametrize("schema", CLOSED, ids=IDS)
def test_openai_response_format_is_a_json_schema_response_format(schema: Any) -> None:
    response_format = exported(schema, T.OPENAI_RESPONSE_FORMAT)
    adapter = TypeAdapter(ResponseFormatJSONSchema)
    assert adapter.validate_python(response_format) == response_format

    captured = Captured(OPENAI_REPLY)
    openai_client(captured).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        response_format=response_format,
    )
    assert captured.body["response_format"] == response_format


@pytest.mark.parametrize(
    "schema", [*CLOSED, *OPEN], ids=[*IDS, "open-weather", "open-shared", "pydantic"]
)
def test_anthropic_tool_is_a_tool_param(schema: Any) -> None:
    tool = exported(schema, T.ANTHROPIC_TOOL)
    assert TypeAdapter(ToolParam).validate_python(tool) == tool

    captured = Captured(ANTHROPIC_REPLY)
    client = anthropic.Anthropic(
        api_key="test",
        base_url="http://provider.invalid",
        http_client=httpx2.Client(transport=httpx2.MockTransport(captured)),
        max_retries=0,
    )
    client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=16,
        messages=[{"role": "user", "content": "hi"}],
        tools=[tool],
    )
    assert captured.body["tools"] == [tool]


@pytest.mark.parametrize("schema", OPEN, ids=["open-weather", "open-shared", "pydantic"])
def test_gemini_function_is_a_function_declaration(schema: Any) -> None:
    declaration = exported(schema, T.GEMINI_FUNCTION)
    model = genai_types.FunctionDeclaration.model_validate(declaration)
    assert model.model_dump(mode="json", by_alias=True, exclude_none=True) == declaration

    captured = Captured({"candidates": []})
    client = genai.Client(
        api_key="test",
        http_options=genai_types.HttpOptions(
            base_url="http://provider.invalid/",
            httpx_client=httpx.Client(transport=httpx.MockTransport(captured)),
        ),
    )
    client.models.generate_content(
        model="gemini-2.5-flash",
        contents="hi",
        config=genai_types.GenerateContentConfig(
            tools=[genai_types.Tool(function_declarations=[model])]
        ),
    )
    assert captured.body["tools"] == [{"functionDeclarations": [declaration]}]
