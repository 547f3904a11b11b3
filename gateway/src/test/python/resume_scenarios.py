"""Resuming streams and background responses across gateways, with the official openai package (its raw streaming
responses for chat's SSE ids and Last-Event-ID); each scenario prints one JSON line.

Usage: resume_scenarios.py SCENARIO [ARGS]   (env OPENAI_BASE_URL (gateway A), OPENAI_API_KEY, PARLEY_MODEL, RUN_ID;
OTHER_BASE_URL: gateway B)
"""
import json
import os
import sys
import time

import openai

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]
client = openai.OpenAI(max_retries=0, timeout=300)


def other():
    return openai.OpenAI(base_url=os.environ["OTHER_BASE_URL"], max_retries=0, timeout=300)


def event_info(event):
    info = {"type": event.type, "seq": event.sequence_number}
    if event.type == "response.output_text.delta":
        info["delta"] = event.delta
    if event.type in ("response.completed", "response.incomplete"):
        info["text"] = event.response.output_text
        info["status"] = event.response.status
    return info


def cut_stream(deltas_before_cut):
    """Reads a background stream on gateway A until some text came, hangs up, resumes it on gateway B."""
    first = []
    stream = client.responses.create(model=MODEL, input="Write a long story about a lighthouse. " + RUN,
                                     max_output_tokens=48, temperature=0, stream=True, background=True)
    response_id = None
    for event in stream:
        first.append(event_info(event))
        if event.type == "response.created":
            response_id = event.response.id
        if sum(1 for e in first if e["type"] == "response.output_text.delta") >= int(deltas_before_cut):
            break
    stream.close()  # the connection is dropped mid-answer
    resumed = [event_info(event) for event in
               other().responses.retrieve(response_id, stream=True, starting_after=first[-1]["seq"])]
    return {"id": response_id, "first": first, "resumed": resumed}


def background_start():
    queued = client.responses.create(model=MODEL, input="Write a long story about a lighthouse keeper. " + RUN, max_output_tokens=64,
                                     temperature=0, background=True)
    return {"id": queued.id, "status": queued.status}


def background_wait(response_id):
    """Polls gateway B (OTHER_BASE_URL) until the response left queued; counts the polls, as progress."""
    b = other()
    response = b.responses.retrieve(response_id)
    polls = 1
    while response.status in ("queued", "in_progress"):
        time.sleep(0.5)
        response = b.responses.retrieve(response_id)
        polls += 1
    return {"id": response.id, "status": response.status, "output_text": response.output_text,
            "error": response.error.code if response.error else None, "polls": polls,
            "worker": (response.model_extra or {}).get("parley", {}).get("worker")}


def sse_events(response):
    """(id, data) of each event of a raw SSE response; stops at [DONE]."""
    event_id, events = None, []
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            events.append((event_id, line[6:]))
            event_id = None
            if line == "data: [DONE]":
                break
    return events


def chat_cut(content_before_cut):
    """A chat stream read on gateway A until some text came, then resumed on gateway B with Last-Event-ID."""
    request = {"model": MODEL, "stream": True, "max_tokens": 48, "temperature": 0,
               "messages": [{"role": "user", "content": "Write a long story about a river. " + RUN}]}
    first, seen, event_id = [], 0, None
    with client.chat.completions.with_streaming_response.create(**request) as response:
        for line in response.iter_lines():
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                first.append((event_id, line[6:]))
                if '"content":"' in line and '"content":""' not in line:
                    seen += 1
                if seen >= int(content_before_cut):
                    break  # leaving the block drops the connection mid-answer
    with other().chat.completions.with_streaming_response.create(
            **request, extra_headers={"Last-Event-ID": first[-1][0]}) as response:
        resumed = sse_events(response)
    return {"first": first, "resumed": resumed}


def unknown_stream():
    """Resuming a stream no gateway knows (or past its retention): an error at once, not a hang."""
    try:
        other().responses.retrieve("resp_" + "0" * 32, stream=True, starting_after=3)
        return {"status": 200}
    except openai.APIStatusError as e:
        return {"status": e.status_code, "code": e.code}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
