package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolCallDelta;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.engine.tools.ToolSyntax;
import dev.parley.worker.reply.ChunkStream;
import dev.parley.worker.reply.ReplyPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** On Kafka's MockProducer: the raw call text never reaches the chunks; the calls do, as deltas; plain text does. */
class ToolCallStreamTest {

    private static final ToolCall CALL = ToolCall.of("call_1", "get_weather", "{\"city\":\"Paris\"}");

    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
            new ByteArraySerializer());
    private final ChunkStream chunks = new ChunkStream(new ReplyPublisher(producer, "replies", 1 << 20), s -> false,
            "replies", "r1", "c1", 1, "w1", new ChunkStream.Batching(1000, Duration.ofHours(1)));

    private List<Chunk> sent() {
        chunks.close();
        return producer.history().stream().map(r -> WireJson.fromBytes(r.value(), Chunk.class)).toList();
    }

    private static String text(List<Chunk> sent) {
        return String.join("", sent.stream().map(Chunk::delta).toList());
    }

    private static List<ToolCallDelta> deltas(List<Chunk> sent) {
        return sent.stream().map(Chunk::toolCalls).filter(Objects::nonNull).flatMap(List::stream).toList();
    }

    private static void feed(ToolCallStream stream, String... pieces) {
        for (String piece : pieces) {
            stream.onText(piece);
        }
    }

    @Test
    void textBeforeAHermesCallStreamsAndTheCallGoesOutAsADelta() {
        ToolCallStream stream = new ToolCallStream(chunks, ToolSyntax.HERMES, false);
        feed(stream, "Let me ", "look.<tool", "_call>{\"name\": \"get_weather\", ", "\"arguments\": {}}</tool_call>");

        stream.finish(Optional.of(new ParsedAnswer("Let me look.", List.of(CALL))));

        List<Chunk> sent = sent();
        assertThat(text(sent)).isEqualTo("Let me look.");
        assertThat(deltas(sent)).containsExactly(new ToolCallDelta(0, "call_1", "function", CALL.function()));
    }

    @Test
    void anAnswerOpeningWithJsonIsHeldAndReleasedAsTextWhenItCalledNothing() {
        ToolCallStream stream = new ToolCallStream(chunks, ToolSyntax.GENERIC, false);
        feed(stream, " ", "{\"a\": ", "1}");

        stream.finish(Optional.empty());

        List<Chunk> sent = sent();
        assertThat(text(sent)).isEqualTo(" {\"a\": 1}");
        assertThat(deltas(sent)).isEmpty();
    }

    @Test
    void plainTextPassesAndAForcedCallStreamsNoText() {
        ToolCallStream plain = new ToolCallStream(chunks, ToolSyntax.LLAMA3, false);
        feed(plain, "It is ", "sunny.");
        plain.finish(Optional.empty());
        assertThat(text(sent())).isEqualTo("It is sunny.");

        MockProducer<String, byte[]> other = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ChunkStream forcedChunks = new ChunkStream(new ReplyPublisher(other, "replies", 1 << 20), s -> false,
                "replies", "r2", "c1", 1, "w1", new ChunkStream.Batching(1000, Duration.ofHours(1)));
        ToolCallStream forced = new ToolCallStream(forcedChunks, ToolSyntax.GENERIC, true);
        feed(forced, "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}");
        forced.finish(Optional.of(new ParsedAnswer("", List.of(CALL))));
        forcedChunks.close();
        List<Chunk> sent = other.history().stream().map(r -> WireJson.fromBytes(r.value(), Chunk.class)).toList();
        assertThat(text(sent)).isEmpty();
        assertThat(deltas(sent)).extracting(ToolCallDelta::id).containsExactly("call_1");
    }
}
