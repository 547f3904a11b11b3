"""Function tools on the Responses API with the official openai package; each scenario prints one JSON line.

Usage: responses_tools_scenarios.py SCENARIO   (env OPENAI_BASE_URL, OPENAI_API_KEY, PARLEY_MODEL, RUN_ID)
"""
import json
import os
import sys

import openai

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]
client = openai.OpenAI(max_retries=0, timeout=300)

WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city", "strict": True,
           "parameters": {"type": "object", "additionalProperties": False, "required": ["city"],
                          "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 20}}}}


def calls_of(response):
    return [{"id": item.id, "call_id": item.call_id, "name": item.name, "arguments": item.arguments,
             "status": item.status} for item in response.output if item.type == "function_call"]


def summary(response):
    parley = response.model_extra["parley"]
    return {"id": response.id, "status": response.status, "output_types": [item.type for item in response.output],
            "output_text": response.output_text, "calls": calls_of(response),
            "conversation": parley["conversation_id"], "turn": parley["turn"],
            "cached_tokens": response.usage.input_tokens_details.cached_tokens,
            "tools": [tool.name for tool in response.tools], "tool_choice": str(response.tool_choice)}


def tool_round():
    """An agent loop's round: a required call, its output by previous_response_id, the answer; then stateless."""
    first = client.responses.create(model=MODEL, input="What is the weather in Paris? " + RUN, tools=[WEATHER],
                                    tool_choice="required", max_output_tokens=64, temperature=0)
    call = calls_of(first)[0]
    result = [{"type": "function_call_output", "call_id": call["call_id"], "output": "sunny, 21 C"}]
    second = client.responses.create(model=MODEL, previous_response_id=first.id, input=result, tools=[WEATHER],
                                     tool_choice="none", max_output_tokens=16, temperature=0)
    items = client.responses.input_items.list(second.id, order="asc")
    # A client that keeps its own history (store: false) sends the call back as an item with its output.
    replayed = [item.model_dump(exclude_none=True) for item in first.output]
    stateless = client.responses.create(model=MODEL, store=False, tools=[WEATHER], tool_choice="none",
                                        input=[{"role": "user", "content": "What is the weather in Paris? " + RUN}]
                                        + replayed + result, max_output_tokens=16, temperature=0)
    return {"first": summary(first), "second": summary(second), "stateless": summary(stateless),
            "retrieved_calls": calls_of(client.responses.retrieve(first.id)),
            "second_items": [{"type": item.type, "call_id": getattr(item, "call_id", None),
                              "output": getattr(item, "output", None)} for item in items.data]}


def stream():
    """A named call streamed with the SDK's accumulating helper, which checks every event's output_index."""
    types, deltas, added, done = [], {}, [], {}
    with client.responses.stream(model=MODEL, input="And in Rome? " + RUN, tools=[WEATHER],
                                 tool_choice={"type": "function", "name": "get_weather"},
                                 max_output_tokens=64, temperature=0) as events:
        for event in events:
            types.append(event.type)
            if event.type == "response.output_item.added":
                added.append({"type": event.item.type, "output_index": event.output_index,
                              "name": getattr(event.item, "name", None)})
            if event.type == "response.function_call_arguments.delta":
                deltas[event.item_id] = deltas.get(event.item_id, "") + event.delta
            if event.type == "response.function_call_arguments.done":
                done[event.item_id] = event.arguments
        final = events.get_final_response()
    return {"types": types, "added": added, "deltas": deltas, "done": done, "final": summary(final)}


def hosted():
    """A tool OpenAI runs itself: refused, naming the parameter."""
    try:
        client.responses.create(model=MODEL, input="Search the web. " + RUN, tools=[{"type": "web_search"}])
        return {"status": 200}
    except openai.APIStatusError as e:
        error = e.body if isinstance(e.body, dict) else {}
        return {"status": e.status_code, "code": error.get("code"), "param": error.get("param"),
                "message": error.get("message")}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))
