"""Batch scenarios against the Parley gateway with the official openai package; each prints one JSON line.

Usage: batch_scenarios.py SCENARIO [ARG]  (env OPENAI_BASE_URL, OPENAI_API_KEY, PARLEY_OTHER_KEY, PARLEY_MODEL, RUN_ID)
Waits are on progress: a batch whose counts do not move for STALL seconds fails the scenario.
"""
import io
import json
import os
import sys
import time

import openai

MODEL = os.environ["PARLEY_MODEL"]
RUN = os.environ["RUN_ID"]
STALL = 180
client = openai.OpenAI(max_retries=0, timeout=120)


def line(custom_id, question, **body):
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                       "body": {"model": MODEL, "max_tokens": 16, "temperature": 0,
                                "messages": [{"role": "user", "content": question + " " + RUN}], **body}})


def upload(lines):
    data = ("\n".join(lines) + "\n").encode()
    return client.files.create(file=("input.jsonl", io.BytesIO(data)), purpose="batch")


def wait(batch_id, until):
    """Polls until until(batch) holds; fails when nothing moved for STALL seconds."""
    last, moved = None, time.monotonic()
    while True:
        batch = client.batches.retrieve(batch_id)
        if until(batch):
            return batch
        state = (batch.status, batch.request_counts.completed, batch.request_counts.failed)
        if state != last:
            last, moved = state, time.monotonic()
        elif time.monotonic() - moved > STALL:
            raise SystemExit("batch %s stalled at %s" % (batch_id, state))
        time.sleep(0.3)


def lines_of(file_id):
    if file_id is None:
        return []
    return [json.loads(text) for text in client.files.content(file_id).text.splitlines() if text.strip()]


def describe(batch):
    return {"id": batch.id, "object": batch.object, "status": batch.status, "endpoint": batch.endpoint,
            "total": batch.request_counts.total, "completed": batch.request_counts.completed,
            "failed": batch.request_counts.failed, "created_at": batch.created_at,
            "in_progress_at": batch.in_progress_at, "completed_at": batch.completed_at,
            "cancelled_at": batch.cancelled_at, "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id, "metadata": batch.metadata,
            "output": lines_of(batch.output_file_id), "errors": lines_of(batch.error_file_id)}


def lifecycle():
    uploaded = upload([line("q-1", "What is one plus one?"), line("q-2", "Name a planet."),
                       "{this is not json", line("q-3", "Name an ocean."), line("q-4", "Hi", n=2),
                       line("q-5", "Hi", top_k=100000000000000000000)])
    fetched = client.files.retrieve(uploaded.id)
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                  completion_window="24h", metadata={"run": RUN})
    listed = [b.id for b in client.batches.list(limit=100)]
    done = wait(batch.id, lambda b: b.status in ("completed", "failed", "cancelled", "expired"))
    other = openai.OpenAI(api_key=os.environ["PARLEY_OTHER_KEY"], max_retries=0)
    try:
        other.files.content(done.output_file_id)
        other_status = 200
    except openai.APIStatusError as e:
        other_status = e.status_code
    try:
        client.batches.retrieve("batch_missing")
        missing = 200
    except openai.APIStatusError as e:
        missing = e.status_code
    files_listed = uploaded.id in [f.id for f in client.files.list()]
    deleted = client.files.delete(uploaded.id).deleted
    try:
        client.files.retrieve(uploaded.id)
        after_delete = 200
    except openai.APIStatusError as e:
        after_delete = e.status_code
    return {"file": {"id": uploaded.id, "object": fetched.object, "purpose": fetched.purpose,
                     "bytes": fetched.bytes, "filename": fetched.filename, "created_at": fetched.created_at,
                     "expires_at": fetched.expires_at},
            "files_listed": files_listed, "deleted": deleted, "after_delete": after_delete,
            "created_status": batch.status, "listed": batch.id in listed, "batch": describe(done),
            "other_tenant_output": other_status, "missing_batch": missing}


def create(count):
    uploaded = upload([line("r-%d" % i, "Write a sentence about the number %d." % i) for i in range(int(count))])
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                  completion_window="24h")
    return {"id": batch.id}


def cancel():
    batch_id = create(30)["id"]
    wait(batch_id, lambda b: b.request_counts.completed >= 2)
    cancelling = client.batches.cancel(batch_id)
    done = wait(batch_id, lambda b: b.status in ("cancelled", "completed"))
    return {"cancelling_status": cancelling.status, "batch": describe(done)}


def finished(batch_id):
    return describe(wait(batch_id, lambda b: b.status in ("completed", "failed", "cancelled", "expired")))


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
