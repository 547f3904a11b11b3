package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.retry.Backoff;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.engine.template.ReasoningMarkers;
import dev.parley.worker.engine.template.ReasoningStart;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ReplyPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A reasoning model's turn: its thinking goes to {@code reasoning_content} in the stream and the reply, the answer to
 * {@code content}, and the history keeps the output as generated (the template shows earlier answers without their
 * reasoning). The prompt's template variables reach the engine.
 */
class TurnReasoningTest {

    private static final ReasoningMarkers THINK = new ReasoningMarkers("<think>", "</think>");

    private final InMemoryHistoryStore history = new InMemoryHistoryStore();
    private final ScriptedEngine engine = new ScriptedEngine();
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    /** Every piece of text is due as a chunk at once, so the chunks show how the text was split. */
    private final TurnProcessor processor = TurnProcessor.builder(history, engine,
            new ReplyPublisher(producer, "replies"), new WorkerMetrics(new SimpleMeterRegistry()),
            new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5),
                    new ChunkStream.Batching(1, Duration.ZERO))).sleeper(d -> { }).onDone(t -> { })
            .clock(Clock.systemUTC()).build();

    private void run(Prompt prompt) {
        processor.run(new PendingTurn(new TopicPartition("prompts", 0), 1, prompt, 0));
    }

    private List<JsonNode> records() {
        return producer.history().stream().map(r -> WireJson.mapper().readTree(r.value())).toList();
    }

    private Reply reply() {
        return WireJson.fromBytes(producer.history().get(producer.history().size() - 1).value(), Reply.class);
    }

    private static String joined(List<JsonNode> chunks, String field) {
        StringBuilder text = new StringBuilder();
        chunks.stream().filter(c -> c.has(field)).forEach(c -> text.append(c.get(field).asString()));
        return text.toString();
    }

    @Test
    void streamedThinkingGoesOutAsReasoningChunksAndTheAnswerAsDeltas() {
        engine.reasoning = new ReasoningStart(THINK, false);
        // markers cut across pieces, as tokens cut them
        engine.pieces = List.of("<th", "ink>Let me", " think.</th", "ink>\n\nHel", "lo!");

        run(Prompt.of("r1", "c", "hi").newBuilder().stream(true).build());

        List<JsonNode> chunks = records().stream().filter(r -> r.has("type")).toList();
        assertThat(joined(chunks, "reasoning_content")).isEqualTo("Let me think.");
        assertThat(joined(chunks, "delta")).isEqualTo("Hello!");
        assertThat(chunks).extracting(c -> c.get("seq").asInt()).isSorted().doesNotHaveDuplicates();
        int lastReasoning = chunks.stream().filter(c -> c.has("reasoning_content")).mapToInt(chunks::indexOf).max()
                .orElseThrow();
        int firstAnswer = chunks.stream().filter(c -> !c.get("delta").asString().isEmpty()).mapToInt(chunks::indexOf)
                .min().orElseThrow();
        assertThat(lastReasoning).as("the thinking is streamed before the answer").isLessThan(firstAnswer);
        Reply reply = reply();
        assertThat(reply.status()).isEqualTo(ReplyStatus.OK);
        assertThat(reply.content()).isEqualTo("Hello!");
        assertThat(reply.reasoningContent()).isEqualTo("Let me think.");
        assertThat(history.turns.get("c")).extracting(HistoryEntry::answer)
                .as("stored as generated: the template drops the reasoning of earlier answers itself")
                .containsExactly("<think>Let me think.</think>\n\nHello!");
    }

    @Test
    void aPromptThatOpensTheReasoningMakesTheTextBeforeTheCloseMarkerReasoning() {
        engine.reasoning = new ReasoningStart(THINK, true);
        engine.pieces = List.of("I should greet.", "</think>", "Hi");

        run(Prompt.of("r1", "c", "hi"));

        assertThat(reply().content()).isEqualTo("Hi");
        assertThat(reply().reasoningContent()).isEqualTo("I should greet.");
    }

    @Test
    void aReasoningModelThatAnswersWithoutThinkingHasNoReasoningField() {
        engine.reasoning = new ReasoningStart(THINK, false);
        engine.pieces = List.of("Hi there");

        run(Prompt.of("r1", "c", "hi").newBuilder().stream(true).build());

        assertThat(records()).noneMatch(r -> r.has("reasoning_content"));
        assertThat(reply().content()).isEqualTo("Hi there");
    }

    @Test
    void aModelThatDoesNotReasonKeepsThinkTagsInItsAnswer() {
        engine.pieces = List.of("<think>x</think>", "y");

        run(Prompt.of("r1", "c", "hi").newBuilder().stream(true).build());

        assertThat(records()).noneMatch(r -> r.has("reasoning_content"));
        assertThat(reply().content()).isEqualTo("<think>x</think>y");
    }

    @Test
    void theTemplateVariablesOfThePromptReachTheEngine() {
        run(Prompt.of("r1", "c", "hi").newBuilder().chatTemplateKwargs(Map.of("enable_thinking", false))
                .reasoningEffort("high").build());

        assertThat(engine.requests.get(0).transcript().templateVariables())
                .isEqualTo(Map.of("enable_thinking", false, "reasoning_effort", "high"));
    }

    @Test
    void anOutputThatEndsWhileThinkingIsAllReasoning() {
        engine.reasoning = new ReasoningStart(THINK, false);
        engine.pieces = List.of("<think>Hmm");

        run(Prompt.of("r1", "c", "hi"));

        assertThat(reply().reasoningContent()).isEqualTo("Hmm");
        assertThat(reply().content()).isEmpty();
    }
}
