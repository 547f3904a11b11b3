package dev.parley.worker.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.RejectionCode;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.EngineInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelServingTest {

    private static final WorkerConfig CONFIG = WorkerConfig.builder().bootstrapServers("b:9092")
            .redisUri("redis://r:6379").build();
    private static final EngineInfo ENGINE = new EngineInfo("SmolLM2-135M-Instruct.Q4_1", 4, 2048);

    @Test
    void byDefaultAWorkerKeepsTheSharedTopicAndGroupUnderItsEnginesName() {
        ServedModel served = ModelServing.DEFAULT.resolve(CONFIG, ENGINE);

        assertThat(served.name()).isEqualTo("SmolLM2-135M-Instruct.Q4_1");
        assertThat(served.promptsTopic()).isEqualTo("parley.prompts");
        assertThat(served.groupId()).isEqualTo("parley-workers");
        assertThat(served.modelsTopic()).isEqualTo("parley.models");
        assertThat(served.applyTo(CONFIG)).isSameAs(CONFIG);
        assertThat(served.announcementLifetime()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aModelOnItsOwnTopicHasItsOwnGroupToo() {
        ServedModel served = ModelServing.DEFAULT.named("qwen2.5-0.5b").ownTopic().resolve(CONFIG, ENGINE);

        assertThat(served.promptsTopic()).isEqualTo("parley.prompts.qwen2.5-0.5b");
        assertThat(served.groupId()).isEqualTo("parley-workers.qwen2.5-0.5b");
        WorkerConfig applied = served.applyTo(CONFIG);
        assertThat(applied.promptsTopic()).isEqualTo("parley.prompts.qwen2.5-0.5b");
        assertThat(applied.groupId()).isEqualTo("parley-workers.qwen2.5-0.5b");
        assertThat(applied.repliesTopic()).isEqualTo(CONFIG.repliesTopic());
    }

    @Test
    void namesAreWhatAPromptCanNameAndTheDefaultComesFromTheModelSetting() {
        assertThat(ModelNames.derive("smollm2-135m", Path.of("/cache/SmolLM2-135M-Instruct.Q4_1.gguf")))
                .isEqualTo("smollm2-135m");
        assertThat(ModelNames.derive("/models/Llama 3.2 1B+q4.GGUF", Path.of("/models/Llama 3.2 1B+q4.GGUF")))
                .isEqualTo("Llama-3.2-1B-q4");
        assertThat(ModelNames.sanitize("a/b:c")).isEqualTo("a-b-c");
        assertThatThrownBy(() -> ModelServing.DEFAULT.named("org/model")).hasMessageContaining("model-name")
                .hasMessageContaining("'org/model'");
        assertThatThrownBy(() -> ModelServing.Topic.parse("mine")).hasMessageContaining("model-topic");
    }

    @Test
    void settingsPickNameTopicAndAnnouncements() {
        var settings = new SettingsLoader().flags(Map.of(Setting.BOOTSTRAP.key(), "b:1",
                Setting.REDIS.key(), "redis://r:1", Setting.MODEL_TOPIC.key(), "own",
                Setting.MODELS_TOPIC.key(), "pool.models", Setting.MODEL_ANNOUNCE_INTERVAL.key(), "5s")).load();

        ModelServing serving = ModelServingSettings.from(settings, Path.of("/cache/SmolLM2-135M-Instruct.Q4_1.gguf"));

        assertThat(serving).isEqualTo(new ModelServing("smollm2-135m", ModelServing.Topic.OWN, "pool.models",
                Duration.ofSeconds(5)));
    }

    @Test
    void theGateRefusesAnotherModelNamingBothAndAcceptsItsOwnOrNone() {
        ServedModel served = ModelServing.DEFAULT.named("tiny").ownTopic().resolve(CONFIG, ENGINE);
        PromptDecoder decoder = new PromptDecoder().checking(new ModelGate(served));

        var refused = decoder.decode("c", WireJson.toBytes(Prompt.of("r", "c", "hi").withModel("smollm2")));
        var own = decoder.decode("c", WireJson.toBytes(Prompt.of("r", "c", "hi").withModel("tiny")));
        var none = decoder.decode("c", WireJson.toBytes(Prompt.of("r", "c", "hi")));

        var rejection = ((PromptDecoder.Rejected) refused).rejection();
        assertThat(rejection.code()).isEqualTo(RejectionCode.UNKNOWN_MODEL);
        assertThat(rejection.code().wireName()).isEqualTo("unknown_model");
        assertThat(rejection.field()).isEqualTo("$.model");
        assertThat(rejection.reason()).contains("'smollm2'", "'tiny'", "parley.prompts.tiny", "parley.models");
        assertThat(own).isInstanceOf(PromptDecoder.Accepted.class);
        assertThat(none).isInstanceOf(PromptDecoder.Accepted.class);
    }
}
