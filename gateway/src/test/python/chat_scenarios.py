"""Chat scenarios against the Parley gateway with the official openai package; each prints one JSON line.

Usage: chat_scenarios.py SCENARIO   (env OPENAI_BASE_URL, OPENAI_API_KEY, PARLEY_OTHER_KEY, PARLEY_MODEL, RUN_ID)
"""
import json
import os
import sys

import openai

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]
HEADER = "X-Parley-Conversation-Id"
client = openai.OpenAI(max_retries=0, timeout=300)


def ask(messages, **kwargs):
    """A completion plus the conversation the gateway put it in (a response header)."""
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=messages, max_tokens=12,
                                                            temperature=0, **kwargs)
    completion = raw.parse()
    return completion, raw.headers.get(HEADER)


def turn_info(completion, conversation):
    return {"content": completion.choices[0].message.content,
            "finish_reason": completion.choices[0].finish_reason,
            "object": completion.object, "id": completion.id, "model": completion.model,
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "cached_tokens": completion.usage.prompt_tokens_details.cached_tokens,
            "turn": completion.model_extra["parley"]["turn"], "conversation": conversation}


def complete():
    completion, conversation = ask([{"role": "system", "content": "You are terse. " + RUN},
                                    {"role": "user", "content": "What is the capital of France?"}])
    return turn_info(completion, conversation)


def stream():
    stream = client.chat.completions.create(model=MODEL, stream=True, stream_options={"include_usage": True},
                                            max_tokens=12, temperature=0,
                                            messages=[{"role": "user", "content": "Count to five. " + RUN}])
    objects, pieces, finish, usage, roles = set(), [], None, None, []
    for chunk in stream:
        objects.add(chunk.object)
        if chunk.usage is not None:
            usage = {"prompt_tokens": chunk.usage.prompt_tokens, "completion_tokens": chunk.usage.completion_tokens,
                     "choices": len(chunk.choices)}
        for choice in chunk.choices:
            if choice.delta.role:
                roles.append(choice.delta.role)
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    return {"objects": sorted(objects), "pieces": len(pieces), "content": "".join(pieces), "finish_reason": finish,
            "usage": usage, "roles": roles}


def three_turns(extra_headers=None):
    messages = [{"role": "system", "content": "You are a helpful assistant. " + RUN}]
    turns = []
    for question in ["Name a colour.", "Name another one.", "And a third?"]:
        messages.append({"role": "user", "content": question})
        completion, conversation = ask(messages, extra_headers=extra_headers)
        messages.append({"role": "assistant", "content": completion.choices[0].message.content})
        turns.append(turn_info(completion, conversation))
    return {"turns": turns}


def header():
    return three_turns({HEADER: "chat-" + RUN})


def regenerate():
    system = {"role": "system", "content": "Regenerate test. " + RUN}
    first, c1 = ask([system, {"role": "user", "content": "Say hello."}])
    a1 = first.choices[0].message.content
    history = [system, {"role": "user", "content": "Say hello."}, {"role": "assistant", "content": a1},
               {"role": "user", "content": "Say goodbye."}]
    second, c2 = ask(history)
    again, c3 = ask(history)  # the client's "regenerate": the same history, asking for turn 2 once more
    after = history + [{"role": "assistant", "content": again.choices[0].message.content},
                       {"role": "user", "content": "Thanks."}]
    fourth, c4 = ask(after)
    return {"first": turn_info(first, c1), "second": turn_info(second, c2), "regenerated": turn_info(again, c3),
            "after": turn_info(fourth, c4)}


def edit():
    system = {"role": "system", "content": "Edit test. " + RUN}
    first, c1 = ask([system, {"role": "user", "content": "Pick a fruit."}])
    a1 = first.choices[0].message.content
    base = [system, {"role": "user", "content": "Pick a fruit."}, {"role": "assistant", "content": a1}]
    second, c2 = ask(base + [{"role": "user", "content": "Pick a vegetable."}])
    edited, c3 = ask(base + [{"role": "user", "content": "Pick a tree."}])
    return {"first": turn_info(first, c1), "second": turn_info(second, c2), "edited": turn_info(edited, c3)}


def error_of(call):
    try:
        call()
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"status": e.status_code, "type": type(e).__name__, "param": body.get("param"),
                "code": body.get("code"), "message": body.get("message")}
    return {"status": 200}


def errors():
    user = [{"role": "user", "content": "hi"}]
    anonymous = openai.OpenAI(api_key="sk-wrong", max_retries=0)
    return {
        "n": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user, n=9)),
        "n_with_tools": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user, n=2, tools=[
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])),
        "tools": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user, tools=[
            {"type": "function", "function": {"name": "get weather", "parameters": {"type": "object"}}}])),
        "tool_choice": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user, tools=[
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            tool_choice={"type": "function", "function": {"name": "g"}})),
        "temperature": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user, temperature=7)),
        "top_k_past_a_long": error_of(lambda: client.chat.completions.create(
            model=MODEL, messages=user, extra_body={"top_k": 100000000000000000000})),
        "seed_past_the_schema": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user,
                                                                                seed=4294967296)),
        "unknown_param": error_of(lambda: client.chat.completions.create(model=MODEL, messages=user,
                                                                         extra_body={"bogus_knob": 1})),
        "model": error_of(lambda: client.chat.completions.create(model="no-such-model", messages=user)),
        "wrong_key": error_of(lambda: anonymous.chat.completions.create(model=MODEL, messages=user)),
        "models": [m.id for m in client.models.list()],
        "models_wrong_key": error_of(lambda: anonymous.models.list()),
    }


def sampling():
    """The sampling controls and the fields real clients send that change nothing, through the openai client."""
    user = [{"role": "user", "content": "Name a fruit. " + RUN}]

    def content(**kwargs):
        return client.chat.completions.create(model=MODEL, messages=user, max_tokens=12, **kwargs) \
            .choices[0].message.content

    return {
        "ignored": content(temperature=0, service_tier="auto", safety_identifier="user-hash",
                           prompt_cache_key="k-" + RUN, reasoning_effort="low", parallel_tool_calls=False,
                           stream_options={"include_usage": True}),
        "controls": content(temperature=0, presence_penalty=0.5, frequency_penalty=0.5, logit_bias={"0": -100},
                            extra_body={"repeat_penalty": 1.2, "min_p": 0.1, "top_k": 20}),
        "seeded": [content(temperature=1.2, seed=11) for _ in range(2)],
        "bias_outside_vocabulary": error_of(lambda: content(temperature=0, logit_bias={"999999999": -100})),
        "top_logprobs_alone": error_of(lambda: content(temperature=0, top_logprobs=2)),
    }


def choices():
    """n=3 through the openai client: a completion, then a stream of the same seeded request."""
    options = dict(model=MODEL, messages=[{"role": "user", "content": "Tell me a short story. " + RUN}],
                   max_tokens=10, temperature=1.0, seed=5, n=3)
    raw = client.chat.completions.with_raw_response.create(**options)
    whole = raw.parse()
    stream = client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **options)
    texts, finishes, roles, tokens = {}, {}, [], None
    for chunk in stream:
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
        for choice in chunk.choices:
            if choice.delta.role:
                roles.append(choice.index)
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finishes[choice.index] = choice.finish_reason
    return {"whole": {"indexes": [c.index for c in whole.choices],
                      "contents": [c.message.content for c in whole.choices],
                      "finish_reasons": [c.finish_reason for c in whole.choices],
                      "completion_tokens": whole.usage.completion_tokens, "conversation": raw.headers.get(HEADER)},
            "streamed": {"contents": [texts.get(i, "") for i in range(3)],
                         "finish_reasons": [finishes.get(i) for i in range(3)],
                         "roles": sorted(roles), "completion_tokens": tokens}}


def logprob_entries(content):
    return [{"token": e.token, "logprob": e.logprob, "bytes": e.bytes,
             "top": [{"token": t.token, "logprob": t.logprob} for t in e.top_logprobs]} for e in content]


def logprobs():
    """logprobs with top_logprobs through the openai client: a completion and a stream of the same question."""
    user = [{"role": "user", "content": "What is the capital of France? " + RUN}]
    options = dict(model=MODEL, messages=user, max_tokens=12, temperature=0, logprobs=True, top_logprobs=3,
                   extra_body={"repeat_penalty": 1.0})
    whole = client.chat.completions.create(**options)
    stream = client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **options)
    streamed, text, tokens = [], [], None
    for chunk in stream:
        if chunk.usage is not None:
            tokens = chunk.usage.completion_tokens
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.logprobs is not None and choice.logprobs.content:
                streamed.extend(logprob_entries(choice.logprobs.content))
    return {"content": whole.choices[0].message.content, "completion_tokens": whole.usage.completion_tokens,
            "entries": logprob_entries(whole.choices[0].logprobs.content),
            "streamed": streamed, "streamed_text": "".join(text), "streamed_tokens": tokens}


def tenants():
    """Tenant B resends tenant A's whole chat under the same conversation header: it must not land in A's."""
    mine = three_turns({HEADER: "shared-" + RUN})
    other = openai.OpenAI(api_key=os.environ["PARLEY_OTHER_KEY"], max_retries=0, timeout=300)
    messages = [{"role": "system", "content": "You are a helpful assistant. " + RUN},
                {"role": "user", "content": "Name a colour."},
                {"role": "assistant", "content": mine["turns"][0]["content"]},
                {"role": "user", "content": "Name another one."}]
    raw = other.chat.completions.with_raw_response.create(model=MODEL, messages=messages, max_tokens=12,
                                                          temperature=0, extra_headers={HEADER: "shared-" + RUN})
    theirs = raw.parse()
    return {"mine": mine, "theirs": turn_info(theirs, raw.headers.get(HEADER))}


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "additionalProperties": False, "required": ["city"],
                   "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 20}}}}}


def streamed_call(messages, choice):
    """A streamed completion's tool-call deltas added up per index, and its text."""
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER], tool_choice=choice,
                                            stream=True, max_tokens=64, temperature=0.7, seed=7)
    calls, text, finish = {}, [], None
    for chunk in stream:
        for choice_delta in chunk.choices:
            if choice_delta.delta.content:
                text.append(choice_delta.delta.content)
            for delta in choice_delta.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += delta.id or ""
                call["name"] += (delta.function.name or "") if delta.function else ""
                call["arguments"] += (delta.function.arguments or "") if delta.function else ""
            if choice_delta.finish_reason:
                finish = choice_delta.finish_reason
    return {"calls": [calls[i] for i in sorted(calls)], "text": "".join(text), "finish_reason": finish}


def tools():
    """An agent loop's round: a required call, the tool's result, the final answer; then a named call streamed."""
    messages = [{"role": "user", "content": "What is the weather in Paris? " + RUN}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER], tool_choice="required",
                                           max_tokens=64, temperature=0.7, seed=7)
    message = first.choices[0].message
    call = message.tool_calls[0]
    messages.append({"role": "assistant", "content": message.content,
                     "tool_calls": [{"id": c.id, "type": "function",
                                     "function": {"name": c.function.name, "arguments": c.function.arguments}}
                                    for c in message.tool_calls]})
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"})
    final = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER], tool_choice="none",
                                           max_tokens=16, temperature=0)
    named = streamed_call([{"role": "user", "content": "And in Rome? " + RUN}],
                          {"type": "function", "function": {"name": "get_weather"}})
    return {"finish_reason": first.choices[0].finish_reason, "content": message.content,
            "calls": [{"id": c.id, "type": c.type, "name": c.function.name, "arguments": c.function.arguments}
                      for c in message.tool_calls],
            "final": {"content": final.choices[0].message.content, "finish_reason": final.choices[0].finish_reason,
                      "tool_calls": final.choices[0].message.tool_calls},
            "streamed": named}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))
