"""Renders a chat template the way Hugging Face's transformers does (apply_chat_template): the reference the
worker's Jinjava rendering is compared with. Reads {"template": ..., "context": {...}} as JSON on stdin and
writes {"output": ...} or {"error": ...} as JSON on stdout."""
import json
import sys
from datetime import datetime

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise ValueError(message)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime.now().strftime(format)


def main():
    request = json.load(sys.stdin)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    try:
        output = env.from_string(request["template"]).render(**request["context"])
        json.dump({"output": output}, sys.stdout)
    except Exception as e:  # the template refused: reported, compared with ours
        json.dump({"error": "%s: %s" % (type(e).__name__, e)}, sys.stdout)


main()
