package dev.parley.gateway;

import dev.parley.gateway.auth.ApiKeys;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.quota.QuotaSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real pool for gateway tests: one worker on the native engine with the real small model (so warm KV caches show
 * as {@code cached_tokens}), on its own topics, and gateways in front of it. Tenants {@code alpha} and {@code beta}
 * have keys {@link #ALPHA_KEY} and {@link #BETA_KEY}.
 */
final class PoolFixture implements AutoCloseable {

    static final String MODEL = "smollm2-135m";
    final String prefix = "gw" + System.nanoTime();
    final String alphaKey = "sk-alpha-" + prefix;
    final String betaKey = "sk-beta-" + prefix;
    final ParleyInfra infra;
    final WorkerConfig workerConfig;
    private final NativeEngine engine;
    private final Worker worker;

    PoolFixture(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        this(infra, models, QuotaSettings.NONE);
    }

    /** A pool whose worker applies {@code quotas} (tenants are the gateway's tenant names). */
    PoolFixture(ParleyInfra infra, ParleyInfraExtension.TestModels models, QuotaSettings quotas) {
        this(infra, models.real(), 2048, (Integer) Setting.DEFAULT_MAX_TOKENS.typedDefault(), quotas);
    }

    /**
     * A pool serving {@code model} (the real or the tiny one) with {@code context} tokens per slot, answering at most
     * {@code defaultMaxTokens} tokens when a request names no max_tokens.
     */
    PoolFixture(ParleyInfra infra, Path model, int context, int defaultMaxTokens, QuotaSettings quotas) {
        this(infra, model, context, defaultMaxTokens, quotas, 2);
    }

    /** A pool of the real model whose engine has {@code slots} sequences (a request's n may ask for as many). */
    PoolFixture(ParleyInfra infra, ParleyInfraExtension.TestModels models, int slots) {
        this(infra, models.real(), 2048, (Integer) Setting.DEFAULT_MAX_TOKENS.typedDefault(), QuotaSettings.NONE,
                slots);
    }

    private PoolFixture(ParleyInfra infra, Path model, int context, int defaultMaxTokens, QuotaSettings quotas,
                        int slots) {
        this.infra = infra;
        Path libraries = LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
        this.engine = NativeEngine.load(NativeEngineConfig.forModel(model, libraries).withSlots(slots)
                .withContextPerSlot(context).withSnapshotBytes(256L << 20));
        this.workerConfig = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .controlTopic(prefix + ".control").groupId(prefix).partitions(4).workerId(prefix + "-worker")
                .defaultMaxTokens(defaultMaxTokens).quotas(quotas).build();
        try {
            // Served under the name clients use, announced on this pool's own models topic.
            this.worker = Worker.start(workerConfig, dev.parley.worker.models.ModelServing.DEFAULT.named(MODEL)
                    .withModelsTopic(prefix + ".models"), engine, new SimpleMeterRegistry());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** A gateway configuration for this pool, on a free port, both tenants' keys required. */
    GatewayConfig.Builder gatewayConfig() {
        return GatewayConfig.builder().port(0).bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(workerConfig.promptsTopic()).repliesTopic(workerConfig.repliesTopic())
                .controlTopic(workerConfig.controlTopic()).modelsTopic(prefix + ".models").models(List.of(MODEL))
                .keys(ApiKeys.parse(List.of("alpha=" + alphaKey, "beta=sha256:" + ApiKeys.digest(betaKey))))
                .requestTimeout(Duration.ofMinutes(4));
    }

    /** What the Python scenarios need to reach {@code gateway} as tenant alpha. */
    Map<String, String> pythonEnv(Gateway gateway) {
        return Map.of("OPENAI_BASE_URL", gateway.baseUrl(), "OPENAI_API_KEY", alphaKey, "PARLEY_OTHER_KEY", betaKey,
                "PARLEY_MODEL", MODEL, "RUN_ID", prefix + "-" + System.nanoTime());
    }

    @Override
    public void close() {
        try {
            worker.close();
        } finally {
            engine.close();
        }
    }
}
