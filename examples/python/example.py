"""Send one prompt to Parley and print the reply.

    pip install -r examples/python/requirements.txt
    eval "$(./parley dev | grep PARLEY_BOOTSTRAP)"   # or any running stack
    python3 examples/python/example.py --bootstrap "$PARLEY_BOOTSTRAP" "What is Kafka?"
"""
import argparse
import os
import uuid

from parley_client import ParleyProducer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text")
    parser.add_argument("--bootstrap", default=os.environ.get("PARLEY_BOOTSTRAP", "localhost:9092"))
    parser.add_argument("--conversation", default="py-" + uuid.uuid4().hex[:8])
    parser.add_argument("--prompts-topic", default="parley.prompts")
    parser.add_argument("--replies-topic", default="parley.replies")
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    client = ParleyProducer(args.bootstrap, args.prompts_topic, args.replies_topic)
    try:
        reply = client.send(args.conversation, args.text, max_tokens=args.max_tokens)
    finally:
        client.close()
    print(f"status: {reply['status']}")
    print(f"turn: {reply.get('turn')}")
    print(f"reply: {reply.get('content', '')}")


if __name__ == "__main__":
    main()
