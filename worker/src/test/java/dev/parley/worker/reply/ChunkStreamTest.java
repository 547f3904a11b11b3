package dev.parley.worker.reply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Chunk;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.codec.WireJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A stream's chunks on Kafka's MockProducer: text that piles up is split to fit a record, and nothing is lost. */
class ChunkStreamTest {

    /** The smallest reply record the publisher allows: chunks of at most 128 bytes of text. */
    private static final int SMALL_RECORD = ReplyPublisher.FRAMING_BYTES + 1024;

    private static ChunkStream stream(ReplyPublisher publisher, ChunkStream.Outbox outbox) {
        return new ChunkStream(publisher, outbox, "replies", "r1", "c1", 1, "w1",
                new ChunkStream.Batching(4, Duration.ofHours(1)));
    }

    private static List<Chunk> sent(MockProducer<String, byte[]> producer) {
        return producer.history().stream().map(r -> WireJson.fromBytes(r.value(), Chunk.class)).toList();
    }

    @Test
    void textThatPiledUpWhileTheSenderWasBehindGoesOutInChunksThatFitARecordWithoutHoles() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", SMALL_RECORD);
        ChunkStream stream = stream(publisher, full -> false); // the sender is behind: everything waits in the stream
        StringBuilder generated = new StringBuilder();
        for (int token = 0; token < 300; token++) {
            String delta = token % 3 == 0 ? "wörd " : token % 3 == 1 ? "😀" : "日本 ";
            generated.append(delta);
            stream.onText(delta);
        }

        stream.close();

        List<Chunk> chunks = sent(producer);
        assertThat(publisher.maxChunkTextBytes()).isEqualTo(128);
        assertThat(chunks).hasSizeGreaterThan(1);
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.delta().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(publisher.maxChunkTextBytes()));
        assertThat(chunks.stream().map(Chunk::seq).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
        assertThat(String.join("", chunks.stream().map(Chunk::delta).toList())).isEqualTo(generated.toString());
        assertThat(stream.chunksSent()).isEqualTo(chunks.size());
    }

    /** n > 1: each answer's text and log probabilities go out in chunks of its index, numbered in one sequence. */
    @Test
    void furtherAnswersGoOutInChunksCarryingTheirIndexNumberedWithTheFirst() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", SMALL_RECORD);
        ChunkStream stream = stream(publisher, full -> false);
        TokenLogprob entry = new TokenLogprob("b", -0.5, TokenLogprob.bytesOf(new byte[] {98}), List.of());
        StringBuilder[] generated = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (int token = 0; token < 120; token++) {
            int answer = token % 3;
            String delta = answer + "wörd ";
            generated[answer].append(delta);
            if (answer == 0) {
                stream.onText(delta);
            } else {
                stream.choice(answer).onText(delta);
            }
        }
        stream.choice(2).onLogprobs(List.of(entry));

        stream.close();

        List<Chunk> chunks = sent(producer);
        assertThat(chunks.stream().map(Chunk::seq).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
        for (int answer = 0; answer < 3; answer++) {
            int index = answer;
            assertThat(String.join("", chunks.stream().filter(c -> c.choice() == index).map(Chunk::delta).toList()))
                    .isEqualTo(generated[answer].toString());
        }
        assertThat(chunks).filteredOn(c -> c.logprobs() != null).singleElement()
                .satisfies(c -> assertThat(c.index()).isEqualTo(2));
        assertThat(chunks).filteredOn(c -> c.choice() == 0).allSatisfy(c -> assertThat(c.index()).isNull());
    }

    @Test
    void piledUpReasoningGoesOutBeforeTheAnswerInChunksThatFitARecord() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", SMALL_RECORD);
        ChunkStream stream = stream(publisher, full -> false);
        String thought = "hmm, 日本 ".repeat(40);
        stream.onReasoning(thought);
        stream.onText("Yes.");

        stream.close();

        List<Chunk> chunks = sent(producer);
        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(chunk -> {
            assertThat(chunk.delta()).isEmpty();
            assertThat(chunk.reasoningContent().getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(publisher.maxChunkTextBytes());
        });
        assertThat(String.join("", chunks.stream().filter(c -> c.reasoningContent() != null)
                .map(Chunk::reasoningContent).toList())).isEqualTo(thought);
        assertThat(chunks.get(chunks.size() - 1).delta()).isEqualTo("Yes.");
        assertThat(chunks.get(chunks.size() - 1).reasoningContent()).isNull();
    }

    @Test
    void piledUpLogprobsRideOnTheLastTextChunkAndTheRestOnChunksOfTheirOwnThatFitARecord() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        int record = ReplyPublisher.FRAMING_BYTES + 8192; // chunks of at most 1024 bytes of text, and of entries
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", record);
        ChunkStream stream = stream(publisher, full -> false);
        List<TokenLogprob> generated = new java.util.ArrayList<>();
        for (int token = 0; token < 100; token++) {
            String text = token % 2 == 0 ? "日本" : " w";
            TokenLogprob entry = new TokenLogprob(text, -0.25 * token, TokenLogprob.bytesOf(
                    text.getBytes(StandardCharsets.UTF_8)), List.of(new TokenLogprob.Alternative("x", -0.1,
                    List.of((int) 'x'))));
            generated.add(entry);
            stream.onText(text);
            stream.onLogprobs(List.of(entry));
        }

        stream.close();

        List<Chunk> chunks = sent(producer);
        assertThat(chunks.stream().filter(c -> c.logprobs() != null).count()).isGreaterThan(1);
        assertThat(chunks.stream().filter(c -> c.logprobs() != null).flatMap(c -> c.logprobs().stream()).toList())
                .isEqualTo(generated);
        assertThat(producer.history()).allSatisfy(r -> assertThat(r.value().length)
                .isLessThanOrEqualTo(record - ReplyPublisher.FRAMING_BYTES));
        assertThat(chunks).filteredOn(c -> c.logprobs() != null).allSatisfy(c -> assertThat(c.logprobs().stream()
                .mapToLong(ChunkStream::jsonBytesAtMost).sum()).isLessThanOrEqualTo(publisher.maxChunkTextBytes()));
        assertThat(String.join("", chunks.stream().map(Chunk::delta).toList()))
                .isEqualTo(String.join("", generated.stream().map(TokenLogprob::token).toList()));
    }

    @Test
    void splittingCutsBetweenCodePointsNeverInsideOne() {
        assertThat(ChunkStream.splitUtf8("aé😀b", 4)).containsExactly("aé", "😀", "b");
        assertThat(ChunkStream.splitUtf8("abcd", 4)).containsExactly("abcd");
    }

    @Test
    void aChunkTheProducerFailsToSendIsCounted() {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies");
        ChunkStream stream = stream(publisher, due -> {
            due.sendPending();
            return true;
        });
        stream.onText("a");
        stream.onText("b");
        stream.onText("c");
        stream.onText("d"); // due: sent

        assertThat(producer.errorNext(new RecordTooLargeException("too large"))).isTrue();

        assertThat(publisher.chunkSendFailures()).isEqualTo(1);
    }
}
