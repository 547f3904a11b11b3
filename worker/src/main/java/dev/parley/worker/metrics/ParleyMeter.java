package dev.parley.worker.metrics;

import java.util.List;

/**
 * Every meter a worker publishes: the one list that docs and tests check against. Names are dotted, lower case and
 * meaningful without their tags; tags are of low cardinality (never a conversation id, request id or text). Besides
 * these, a worker publishes Kafka's client metrics ({@code kafka.consumer.*}, consumer lag among them) and the
 * standard JVM and process meters.
 */
public enum ParleyMeter {
    PROMPTS_RECEIVED("parley.prompts.received", Type.COUNTER, null, "Prompt records read from the prompts topic"),
    PROMPTS_REJECTED("parley.prompts.rejected", Type.COUNTER, null, "Prompt records sent to the dead-letter topic", "reason"),
    RECORDS_SKIPPED("parley.records.skipped", Type.COUNTER, null, "Records skipped because the commit metadata lists them as done before a restart"),
    TURNS("parley.turns", Type.COUNTER, null, "Turns answered, by reply status", "status"),
    TURNS_REPLAYED("parley.turns.replayed", Type.COUNTER, null, "Redelivered requests answered again from the stored reply, without generating"),
    TURN_RETRIES("parley.turn.retries", Type.COUNTER, null, "Turn steps retried", "cause"),
    REHYDRATIONS("parley.rehydrations", Type.COUNTER, null, "Turns of a conversation with history that had no warm slot, so its context was re-prefilled"),
    TURN_DURATION("parley.turn.duration", Type.TIMER, "seconds", "From a prompt's arrival at the worker to its reply being acknowledged"),
    QUEUE_WAIT("parley.turn.queue.wait", Type.TIMER, "seconds", "From a prompt's arrival to the start of its turn"),
    FIRST_TOKEN("parley.turn.first.token", Type.TIMER, "seconds", "From the start of generation to the first generated token"),
    PROMPT_TOKENS("parley.prompt.tokens", Type.COUNTER, "tokens", "Prompt tokens of generated turns"),
    CACHED_TOKENS("parley.cached.tokens", Type.COUNTER, "tokens", "Prompt tokens not computed: reused in place, restored from a KV snapshot or from a shared prompt prefix"),
    RESTORED_TOKENS("parley.restored.tokens", Type.COUNTER, "tokens", "Prompt tokens restored from a KV snapshot (part of the cached tokens)"),
    PREFIX_TOKENS("parley.prefix.tokens", Type.COUNTER, "tokens", "Prompt tokens restored from a prompt prefix shared between conversations (part of the cached tokens)"),
    DISK_TOKENS("parley.disk.tokens", Type.COUNTER, "tokens", "Prompt tokens restored from a disk KV snapshot (part of the cached tokens)"),
    KV_TIER("parley.kv.tier", Type.COUNTER, null, "Generated turns by where the conversation's earlier context was found: in_place, snapshot, disk, prefix (a shared system prompt only) or prefill", "tier"),
    KV_EVICTIONS("parley.kv.evictions", Type.COUNTER, null, "Slots handed from one conversation to another"),
    KV_SNAPSHOT_SAVE("parley.kv.snapshot.save", Type.TIMER, "seconds", "Taking a host-RAM snapshot of an evicted slot's KV cache (native engine)"),
    KV_SNAPSHOT_RESTORE("parley.kv.snapshot.restore", Type.TIMER, "seconds", "Copying a KV snapshot back into a slot (native engine)"),
    KV_SNAPSHOTS_DROPPED("parley.kv.snapshots.dropped", Type.COUNTER, null, "KV snapshots dropped to stay within the byte budget, least recently used first, or too large to keep"),
    KV_SNAPSHOT_BUFFERS_REUSED("parley.kv.snapshot.buffers.reused", Type.COUNTER, null, "KV snapshots written into the buffer of one restored or dropped before, sparing a fresh allocation's page faults (native engine)"),
    KV_SNAPSHOTS("parley.kv.snapshots", Type.GAUGE, null, "KV snapshots held in host RAM"),
    KV_SNAPSHOT_BYTES("parley.kv.snapshot", Type.GAUGE, "bytes", "Bytes of KV snapshots held in host RAM"),
    KV_SNAPSHOT_BUDGET("parley.kv.snapshot.budget", Type.GAUGE, "bytes", "The most bytes KV snapshots may hold (kv-snapshot-bytes)"),
    KV_PREFIX_HITS("parley.kv.prefix.hits", Type.COUNTER, null, "Turns whose shared prompt prefix (system prompt plus template) was copied into their slot instead of computed (native engine)"),
    KV_PREFIX_MISSES("parley.kv.prefix.misses", Type.COUNTER, null, "Turns with a shareable prompt prefix that was not held, so they computed it and kept it if it fit (native engine)"),
    KV_PREFIX_EVICTIONS("parley.kv.prefix.evictions", Type.COUNTER, null, "Shared prompt prefixes dropped to stay within kv-prefix-bytes, least recently used first, or too large to keep"),
    KV_PREFIXES("parley.kv.prefixes", Type.GAUGE, null, "Shared prompt prefixes held in host RAM"),
    KV_PREFIX_BYTES("parley.kv.prefix", Type.GAUGE, "bytes", "Bytes of shared prompt prefixes' KV held in host RAM"),
    KV_PREFIX_BUDGET("parley.kv.prefix.budget", Type.GAUGE, "bytes", "The most bytes shared prompt prefixes may hold (kv-prefix-bytes; 0 when sharing is off)"),
    KV_DISK_SAVE("parley.kv.disk.save", Type.TIMER, "seconds", "Writing a KV snapshot file: write, fsync, rename (native engine, off the engine thread)"),
    KV_DISK_RESTORE("parley.kv.disk.restore", Type.TIMER, "seconds", "Reading a KV snapshot file and checking its checksum (native engine, off the engine thread)"),
    KV_DISK_WRITTEN("parley.kv.disk.written", Type.COUNTER, "bytes", "Bytes written to KV snapshot files"),
    KV_DISK_READ("parley.kv.disk.read", Type.COUNTER, "bytes", "Bytes read from KV snapshot files"),
    KV_DISK_DROPPED("parley.kv.disk.dropped", Type.COUNTER, null, "KV snapshots not kept on disk: deleted to stay within kv-disk-bytes (least recently used first), too large, refused while the writer was behind, or failed to write"),
    KV_DISK_IGNORED("parley.kv.disk.ignored", Type.COUNTER, null, "KV snapshot files ignored and deleted: corrupt (truncated or a checksum mismatch) or foreign (another model, llama.cpp build, KV cache type or context layout)", "reason"),
    KV_DISK_FILES("parley.kv.disk.files", Type.GAUGE, null, "KV snapshot files held in kv-disk-dir"),
    KV_DISK_BYTES("parley.kv.disk", Type.GAUGE, "bytes", "Bytes of KV snapshot files held in kv-disk-dir"),
    KV_DISK_BUDGET("parley.kv.disk.budget", Type.GAUGE, "bytes", "The most bytes KV snapshot files may hold (kv-disk-bytes; 0 without a disk tier)"),
    COMPLETION_TOKENS("parley.completion.tokens", Type.COUNTER, "tokens", "Tokens generated"),
    HISTORY_LATENCY("parley.history.latency", Type.TIMER, "seconds", "History store operations", "operation"),
    REPLY_PUBLISH_LATENCY("parley.reply.publish.latency", Type.TIMER, "seconds", "From sending a reply to the broker's acknowledgement"),
    SLOTS_BUSY("parley.slots.busy", Type.GAUGE, null, "Engine slots generating now"),
    CONVERSATIONS_WARM("parley.conversations.warm", Type.GAUGE, null, "Conversations whose KV cache is held in a slot or a host-RAM snapshot"),
    LANE_WAITING("parley.lane.waiting", Type.GAUGE, null, "Conversations whose next turn waits for a place, by that turn's lane: interactive or batch", "lane"),
    LANE_AGED("parley.lane.aged", Type.COUNTER, null, "Batch turns started ahead of interactive ones, or in a place reserved for them, because the batch lane had waited batch-aging"),
    PREEMPTIONS("parley.preemptions", Type.COUNTER, null, "Batch generations paused (KV state kept in host RAM) so a waiting interactive one got their slot (native engine)"),
    RECORDS_BUFFERED("parley.records.buffered", Type.GAUGE, null, "Records read and not yet done (queued, running or being dead-lettered)"),
    TURNS_IN_FLIGHT("parley.turns.in.flight", Type.GAUGE, null, "Turns running now"),
    PARTITIONS_PAUSED("parley.partitions.paused", Type.GAUGE, null, "Partitions paused by backpressure"),
    RETRIES("parley.retries", Type.COUNTER, null, "Retries after a failure outside a turn, each after a backoff, by loop: dead_letter, commit, poll, rebalance, forward, control, cancel_store, model_announce", "loop"),
    CANCELS_UNSTORED("parley.cancels.unstored", Type.COUNTER, null, "Cancellations not written to Redis (the worker that read them still acts on them), by reason: queue_full (the oldest waiting during a Redis outage made room) or failed", "reason"),
    DEAD_LETTERS_DROPPED("parley.dead.letters.dropped", Type.COUNTER, null, "Dead letters the broker refused for good even when shrunk; the record stays on its topic and its position is logged", "error"),
    MODEL_ANNOUNCEMENTS("parley.model.announcements", Type.COUNTER, null, "Announcements of the served model published to the models topic (at start, then every model-announce-interval)"),
    PROMPTS_FORWARDED("parley.prompts.forwarded", Type.COUNTER, null, "Prompt records found on another partition than murmur2(key) chooses (a non-Java partitioner) and forwarded there"),
    RECORDS_REDELIVERED("parley.records.redelivered", Type.COUNTER, null, "Records read again at an offset this worker already tracks (a reset position); ignored"),
    STRUCTURED_OUTPUT("parley.structured.output", Type.COUNTER, null, "Generated turns with a JSON response format, by result: valid, or invalid (an error reply invalid_output, e.g. cut off by max_tokens)", "format", "result"),
    TURN_FAILURES("parley.turn.failures", Type.COUNTER, null, "Turns ended by an unexpected error (any Throwable): finished with an error reply and a dead letter", "error"),
    QUOTA_TOKENS_CHARGED("parley.quota.tokens.charged", Type.COUNTER, "tokens", "Tokens debited from tenants' quota buckets (actual usage of turns that ran), by tenant (configured tenants by name, others as other) and kind: prompt or completion", "tenant", "kind"),
    QUOTA_TURNS_LIMITED("parley.quota.turns.limited", Type.COUNTER, null, "Turns answered rate_limited because their tenant was over its token quota (configured tenants by name, others as other)", "tenant"),
    QUOTA_FAILURES("parley.quota.failures", Type.COUNTER, null, "Quota steps Redis did not answer, by step: admit (the turn waits with backoff and retries) or charge (the debit is kept and added to the tenant's next settle)", "step"),
    WORKER_HEALTHY("parley.worker.healthy", Type.GAUGE, null, "1 while every part of the worker lives and makes progress, else 0 (the process then exits)"),
    PART_HEALTHY("parley.worker.part.healthy", Type.GAUGE, null, "1 while this part (intake, commits, engine, turns, chunks, control) lives and makes progress, else 0", "part");

    /** Kind of meter. */
    public enum Type { COUNTER, TIMER, GAUGE }

    private final String meterName;
    private final Type type;
    private final String baseUnit;
    private final String description;
    private final List<String> tags;

    ParleyMeter(String meterName, Type type, String baseUnit, String description, String... tags) {
        this.meterName = meterName;
        this.type = type;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tags = List.of(tags);
    }

    public String meterName() {
        return meterName;
    }

    public Type type() {
        return type;
    }

    /** The base unit, or {@code null} for plain counts (Prometheus names then carry no unit suffix). */
    public String baseUnit() {
        return baseUnit;
    }

    /** The name under which Prometheus shows this meter (counters end in _total, timers in _seconds). */
    public String prometheusName() {
        String name = meterName.replace('.', '_');
        if (baseUnit != null && !name.endsWith("_" + baseUnit)) {
            name += "_" + baseUnit;
        }
        return type == Type.COUNTER ? name + "_total" : name;
    }

    public String description() {
        return description;
    }

    /** Tag keys this meter carries. */
    public List<String> tags() {
        return tags;
    }
}
