package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.EngineExtension.Tiny;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.history.HistoryEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Structured output through a worker: Kafka, the native engine on the real small model, Redis. A valid answer is a
 * turn like any other; one cut off before its JSON closes is an {@code invalid_output} error that stays out of the
 * conversation; the java engine refuses the format (and logit_bias, which it lacks too) instead of ignoring it.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class StructuredOutputTest {

    private static final ResponseFormat PERSON = ResponseFormat.jsonSchema("person", WireJson.mapper().readTree("""
            {"type": "object", "additionalProperties": false, "required": ["name", "age"],
             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20},
                            "age": {"type": "integer"}}}"""));

    @Test
    void validJsonEntersTheConversationAndCutOffJsonIsAnErrorThatDoesNot(ParleyInfra infra, NativeEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 3)) {
            harness.startWorker("json-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-json";
            GenerationParams warm = GenerationParams.DEFAULTS.withMaxTokens(96).withTemperature(0.7).withSeed(7);

            Reply valid = client.send(conversation, "Describe a person as JSON.", SendOptions.builder()
                    .requestId(conversation + "-0").params(warm).responseFormat(PERSON).build()).join();
            Reply cut = client.send(conversation, "Another person, please.", SendOptions.builder()
                    .requestId(conversation + "-1").params(warm.withMaxTokens(4)).responseFormat(PERSON).build()).join();
            Reply object = client.send(conversation, "Now any JSON object about them.", SendOptions.builder()
                    .requestId(conversation + "-2").params(warm).responseFormat(ResponseFormat.JSON_OBJECT).build())
                    .join();
            Reply cutAgain = client.send(conversation, "Another person, please.", SendOptions.builder()
                    .requestId(conversation + "-1").params(warm.withMaxTokens(4)).responseFormat(PERSON).build()).join();

            assertThat(valid.status()).as("%s", valid).isEqualTo(ReplyStatus.OK);
            assertThat(OutputValidator.of(PERSON).problem(valid.content())).as(valid.content()).isEmpty();
            assertThat(valid.turn()).isEqualTo(1);

            assertThat(cut.status()).as("%s", cut).isEqualTo(ReplyStatus.ERROR);
            assertThat(cut.error().code()).isEqualTo("invalid_output");
            assertThat(cut.error().message()).contains("not complete JSON");
            assertThat(cut.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(cut.content()).startsWith("{");
            assertThat(cut.usage().completionTokens()).isEqualTo(4);
            assertThat(cut.turn()).isNull();

            assertThat(object.status()).as("%s", object).isIn(ReplyStatus.OK, ReplyStatus.ERROR);
            if (object.status() == ReplyStatus.OK) {
                assertThat(WireJson.mapper().readTree(object.content()).isObject()).isTrue();
                assertThat(object.turn()).isEqualTo(2);
            } else {
                assertThat(object.error().code()).isEqualTo("invalid_output");
            }
            // a redelivered request gets its stored answer, not a second try
            assertThat(cutAgain).isEqualTo(cut);

            var history = harness.history(conversation);
            assertThat(history.get(0).requestId()).isEqualTo(conversation + "-0");
            assertThat(history.get(0).answer()).isEqualTo(valid.content());
            assertThat(history).extracting(HistoryEntry::requestId).doesNotContain(conversation + "-1");
            assertThat(harness.registry.get("parley.structured.output").tag("format", "json_schema")
                    .tag("result", "invalid").counter().count()).isEqualTo(1.0);
            assertThat(harness.registry.get("parley.structured.output").tag("format", "json_schema")
                    .tag("result", "valid").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void theJavaEngineRefusesAResponseFormatWithAClearError(ParleyInfra infra, @Tiny LlamaCppEngine engine)
            throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("java-json-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-java";

            Reply refused = client.send(conversation, "JSON please.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(8)).responseFormat(ResponseFormat.JSON_OBJECT)
                    .build()).join();
            Reply text = client.send(conversation, "Text is fine.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4)).build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unsupported_response_format");
            assertThat(refused.error().message()).contains("java engine").contains("native");
            assertThat(text.status()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.history(conversation)).hasSize(1);
            assertThat(harness.registry.find("parley.turn.retries").counters()).isEmpty();
        }
    }

    @Test
    void theJavaEngineRefusesLogitBiasWithAClearErrorAndTakesPenalties(ParleyInfra infra,
                                                                      @Tiny LlamaCppEngine engine) throws Exception {
        try (WorkerHarness harness = new WorkerHarness(infra, 1)) {
            harness.startWorker("java-sampling-worker", engine);
            ParleyClient client = harness.client();
            String conversation = harness.prefix + "-java-sampling";

            Reply refused = client.send(conversation, "Hello.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withLogitBias(java.util.Map.of(1, -100.0)))
                    .build()).join();
            Reply penalised = client.send(conversation, "Hello again.", SendOptions.builder()
                    .params(GenerationParams.DEFAULTS.withMaxTokens(4).withRepeatPenalty(1.3)
                            .withPresencePenalty(0.5).withFrequencyPenalty(0.5).withMinP(0.1)).build()).join();

            assertThat(refused.status()).isEqualTo(ReplyStatus.ERROR);
            assertThat(refused.error().code()).isEqualTo("unsupported_logit_bias");
            assertThat(refused.error().message()).contains("java engine").contains("logit_bias").contains("native");
            assertThat(penalised.status()).as("%s", penalised.error()).isEqualTo(ReplyStatus.OK);
            assertThat(harness.history(conversation)).hasSize(1);
        }
    }
}
