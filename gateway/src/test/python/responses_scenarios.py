"""Responses API scenarios against the Parley gateway with the official openai package; each prints one JSON line.

Usage: responses_scenarios.py SCENARIO [ARGS]   (env OPENAI_BASE_URL, OPENAI_API_KEY, PARLEY_OTHER_KEY, PARLEY_MODEL,
RUN_ID)
"""
import json
import os
import sys
import time

import openai

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]
HEADER = "X-Parley-Conversation-Id"
client = openai.OpenAI(max_retries=0, timeout=300)


def info(response, conversation=None):
    return {"id": response.id, "object": response.object, "status": response.status, "model": response.model,
            "output_text": response.output_text, "previous_response_id": response.previous_response_id,
            "input_tokens": response.usage.input_tokens, "output_tokens": response.usage.output_tokens,
            "total_tokens": response.usage.total_tokens,
            "cached_tokens": response.usage.input_tokens_details.cached_tokens,
            "metadata": response.metadata, "instructions": response.instructions,
            "turn": response.model_extra["parley"]["turn"], "conversation": conversation}


def create(**kwargs):
    raw = client.responses.with_raw_response.create(**{"model": MODEL, "max_output_tokens": 12, "temperature": 0,
                                                       **kwargs})
    return raw.parse(), raw.headers.get(HEADER)


def simple():
    response, conversation = create(input="What is the capital of France? " + RUN, instructions="You are terse.",
                                    metadata={"run": RUN}, reasoning={"effort": "low"}, truncation="auto",
                                    prompt_cache_key="pck-" + RUN, top_p=0.9)
    return info(response, conversation)


def messages():
    response, conversation = create(input=[
        {"role": "developer", "content": "Answer in one word. " + RUN},
        {"role": "user", "content": [{"type": "input_text", "text": "Name a colour."}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Red."}]},
        {"type": "message", "role": "user", "content": "Name another one."}])
    return info(response, conversation)


def schema():
    response, _ = create(input="Give a city and its country. " + RUN, max_output_tokens=64,
                         text={"format": {"type": "json_schema", "name": "city", "strict": True, "schema": {
                             "type": "object", "properties": {"city": {"type": "string"}},
                             "required": ["city"], "additionalProperties": False}}})
    result = info(response)
    result["parsed"] = json.loads(response.output_text) if response.status == "completed" else None
    result["format"] = response.text.format.type
    return result


def turn(previous, question):
    response, conversation = create(input=question, previous_response_id=None if previous == "-" else previous,
                                    instructions="You are a helpful assistant. " + RUN)
    return info(response, conversation)


def stream():
    events = client.responses.create(model=MODEL, input="Count to five. " + RUN, max_output_tokens=12,
                                     temperature=0, stream=True)
    types, sequence, deltas, final = [], [], [], None
    for event in events:
        types.append(event.type)
        sequence.append(event.sequence_number)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
        if event.type == "response.output_text.done":
            done_text = event.text
        if event.type in ("response.completed", "response.incomplete"):
            final = event.response
    stored = client.responses.retrieve(final.id)
    return {"types": types, "sequence": sequence, "deltas": "".join(deltas), "pieces": len(deltas),
            "done_text": done_text, "final_text": final.output_text, "final_status": final.status,
            "stored_text": stored.output_text, "id": final.id, "output_tokens": final.usage.output_tokens}


def lifecycle():
    response, _ = create(input=[{"role": "user", "content": "Say hi. " + RUN}])
    retrieved = client.responses.retrieve(response.id)
    items = client.responses.input_items.list(response.id)
    other = openai.OpenAI(api_key=os.environ["PARLEY_OTHER_KEY"], max_retries=0, timeout=60)
    try:
        other.responses.retrieve(response.id)
        other_status = 200
    except openai.NotFoundError as e:
        other_status = e.status_code
    unstored, _ = create(input="Say bye. " + RUN, store=False)
    try:
        client.responses.retrieve(unstored.id)
        unstored_status = 200
    except openai.NotFoundError as e:
        unstored_status = e.status_code
    client.responses.delete(response.id)
    try:
        client.responses.retrieve(response.id)
        after_delete = 200
    except openai.NotFoundError as e:
        after_delete = e.status_code
    try:
        create(input="Go on.", previous_response_id=response.id)
        continue_deleted = 200
    except openai.NotFoundError as e:
        continue_deleted = e.status_code
    return {"id": response.id, "retrieved_id": retrieved.id, "retrieved_text": retrieved.output_text,
            "text": response.output_text, "items": [[i.role, i.content[0].text] for i in items.data],
            "other_tenant": other_status, "unstored": unstored_status, "after_delete": after_delete,
            "continue_deleted": continue_deleted}


def wait_answered(response):
    """Polls a background response until it left queued (the gateway reports one it lost as failed)."""
    while response.status in ("queued", "in_progress"):
        time.sleep(0.5)
        response = client.responses.retrieve(response.id)
    return response


def background():
    queued, conversation = create(input="Name a colour. " + RUN, background=True)
    answered = wait_answered(queued)
    result = info(answered, conversation)
    result.update({"first_status": queued.status, "background": answered.background})
    return result


def cancel():
    queued, _ = create(input="Write a very long story about a dragon and a knight. " + RUN, background=True,
                       max_output_tokens=1500)
    cancelled = client.responses.cancel(queued.id)
    # The worker's cancelled reply (it carries Parley's facts) is stored over the gateway's own record when it comes.
    again = client.responses.retrieve(queued.id)
    waited = 0
    while (again.model_extra or {}).get("parley") is None and waited < 240:
        time.sleep(0.5)
        waited += 0.5
        again = client.responses.retrieve(queued.id)
    try:
        create(input="Go on.", previous_response_id=queued.id)
        continued = 200
    except openai.BadRequestError as e:
        continued = e.status_code
    return {"first_status": queued.status, "cancel_status": cancelled.status, "status": again.status,
            "worker_replied": (again.model_extra or {}).get("parley") is not None, "continue_queued": continued}


def idempotent(route, key, text):
    headers = {"Idempotency-Key": key}
    try:
        if route == "stream":
            raw = client.responses.with_raw_response.create(model=MODEL, input=text, max_output_tokens=12,
                                                            temperature=0.8, stream=True, extra_headers=headers)
            deltas, final = [], None
            for event in raw.parse():
                if event.type == "response.output_text.delta":
                    deltas.append(event.delta)
                if event.type in ("response.completed", "response.incomplete"):
                    final = event.response
            return {"status": raw.status_code, "id": final.id, "text": "".join(deltas),
                    "replayed": raw.headers.get("Idempotent-Replayed")}
        if route == "responses":
            raw = client.responses.with_raw_response.create(model=MODEL, input=text, max_output_tokens=12,
                                                            temperature=0.8, extra_headers=headers)
            return {"status": raw.status_code, "id": raw.parse().id, "text": raw.parse().output_text,
                    "replayed": raw.headers.get("Idempotent-Replayed")}
        raw = client.chat.completions.with_raw_response.create(model=MODEL, max_tokens=12, temperature=0.8,
                                                               messages=[{"role": "user", "content": text}],
                                                               extra_headers=headers)
        return {"status": raw.status_code, "id": raw.parse().id, "text": raw.parse().choices[0].message.content,
                "replayed": raw.headers.get("Idempotent-Replayed")}
    except openai.APIStatusError as e:
        return {"status": e.status_code, "code": e.code}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
