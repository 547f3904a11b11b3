"""LangChain's ChatOpenAI (langchain-openai) against the Parley gateway; each scenario prints one JSON line.

Usage: langchain_scenarios.py SCENARIO   (env OPENAI_BASE_URL, OPENAI_API_KEY, PARLEY_MODEL, RUN_ID)
"""
import json
import os
import sys

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny, 21 C in " + city


class City(BaseModel):
    """A city and the country it is in."""
    city: str = Field(min_length=1, max_length=30)
    country: str = Field(min_length=1, max_length=30)


def chat(**kwargs):
    return ChatOpenAI(model=MODEL, temperature=0, max_tokens=64, max_retries=0, timeout=300, **kwargs)


def calls(message):
    return [{"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.tool_calls]


def tool_round(llm, question):
    """A required call, the tool run on its arguments, and the answer to its result."""
    messages = [HumanMessage(question + " " + RUN)]
    called = llm.bind_tools([get_weather], tool_choice="required").invoke(messages)
    call = called.tool_calls[0]
    messages += [called, ToolMessage(content=get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    answer = llm.bind_tools([get_weather], tool_choice="none").invoke(messages)
    return {"calls": calls(called), "answer": answer.text, "answer_calls": calls(answer),
            "result": messages[-1].content}


def streamed_call(llm, question):
    """A named call streamed: the chunks' tool_call_chunks added up by LangChain."""
    total = None
    pieces = 0
    for chunk in llm.bind_tools([get_weather], tool_choice="get_weather").stream(question + " " + RUN):
        total = chunk if total is None else total + chunk
        pieces += 1
    return {"calls": calls(total), "chunks": pieces,
            "chunk_args": "".join(c.get("args") or "" for c in total.tool_call_chunks)}


def tools():
    return {"round": tool_round(chat(), "What is the weather in Paris?"),
            "streamed": streamed_call(chat(), "And in Rome?")}


def structured():
    question = "Name a city in Italy and its country. " + RUN
    by_schema = chat().with_structured_output(City).invoke(question)
    by_call = chat().with_structured_output(City, method="function_calling").invoke(question)
    return {"json_schema": by_schema.model_dump(), "function_calling": by_call.model_dump(),
            "types": [type(by_schema).__name__, type(by_call).__name__]}


def responses():
    llm = chat(use_responses_api=True)
    invoked = llm.invoke("What is the capital of France? " + RUN)
    total, pieces = None, 0
    for chunk in llm.stream("Count to five. " + RUN):
        total = chunk if total is None else total + chunk
        pieces += 1
    return {"text": invoked.text, "response_id": invoked.response_metadata.get("id"),
            "usage": invoked.usage_metadata, "streamed": total.text, "chunks": pieces,
            "round": tool_round(llm, "What is the weather in Paris?"),
            "streamed_call": streamed_call(llm, "And in Rome?")}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]]()))
