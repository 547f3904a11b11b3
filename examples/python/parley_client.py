"""A Parley producer in Python, written from the wire contract alone (schemas/json and schemas/test-vectors).

It shows that the contract stands without the Java SDK: publish a prompt keyed by its conversation id, then read the
reply topic for the reply carrying the same request_id.
"""
import json
import pathlib
import time
import uuid

import jsonschema
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "json"


def load_schema(name):
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


PROMPT_SCHEMA = load_schema("prompt.v1.json")
REPLY_SCHEMA = load_schema("reply.v1.json")
_FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def validate_prompt(prompt):
    """Raises jsonschema.ValidationError naming the bad field, as a worker's dead letter would."""
    jsonschema.Draft202012Validator(PROMPT_SCHEMA, format_checker=_FORMATS).validate(prompt)
    if prompt["messages"][-1]["role"] not in ("user", "tool"):
        raise jsonschema.ValidationError("the last message must have role 'user' (or 'tool', a tool's result)")
    names = [tool["function"]["name"] for tool in prompt.get("tools", [])]
    if len(set(names)) != len(names):
        raise jsonschema.ValidationError("tool names must be unique")
    choice = prompt.get("tool_choice")
    if (choice == "required" or isinstance(choice, dict)) and not names:
        raise jsonschema.ValidationError("tool_choice needs tools")
    if isinstance(choice, dict) and choice["function"]["name"] not in names:
        raise jsonschema.ValidationError("tool_choice names a function that is not one of the tools")


def validate_reply(reply):
    jsonschema.Draft202012Validator(REPLY_SCHEMA, format_checker=_FORMATS).validate(reply)


def make_prompt(conversation_id, text, reply_to="parley.replies", max_tokens=None):
    prompt = {
        "request_id": str(uuid.uuid4()),
        "conversation_id": conversation_id,
        "messages": [{"role": "user", "content": text}],
        "reply_to": reply_to,
    }
    if max_tokens is not None:
        prompt["params"] = {"max_tokens": max_tokens}
    return prompt


class ParleyProducer:
    """Sends prompts and waits for their replies; one reply reader per instance, from the moment it starts."""

    def __init__(self, bootstrap, prompts_topic="parley.prompts", replies_topic="parley.replies"):
        self.prompts_topic = prompts_topic
        self.replies_topic = replies_topic
        # kafka-python's default partitioner is murmur2, like Java's: a conversation's turns land on the partition
        # its worker expects. With librdkafka (confluent-kafka) set "partitioner": "murmur2_random" instead.
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                      key_serializer=str.encode,
                                      value_serializer=lambda v: json.dumps(v).encode("utf-8"))
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                      value_deserializer=lambda b: json.loads(b.decode("utf-8")))
        partitions = self.consumer.partitions_for_topic(replies_topic)
        if not partitions:
            raise RuntimeError(f"reply topic {replies_topic!r} does not exist; start a worker first")
        assignment = [TopicPartition(replies_topic, p) for p in sorted(partitions)]
        self.consumer.assign(assignment)
        self.consumer.seek_to_end(*assignment)
        for tp in assignment:  # resolve the end offsets now: later replies are all seen
            self.consumer.position(tp)

    def send(self, conversation_id, text, timeout_s=120, max_tokens=None):
        prompt = make_prompt(conversation_id, text, self.replies_topic, max_tokens)
        validate_prompt(prompt)
        self.producer.send(self.prompts_topic, key=conversation_id, value=prompt).get(timeout=30)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=200).values():
                for record in records:
                    message = record.value
                    if message.get("type") == "chunk":
                        continue  # streamed text; this example waits for the final reply
                    if message.get("request_id") == prompt["request_id"]:
                        validate_reply(message)
                        return message
        raise TimeoutError(f"no reply to {prompt['request_id']} within {timeout_s} s")

    def close(self):
        self.producer.close()
        self.consumer.close()
