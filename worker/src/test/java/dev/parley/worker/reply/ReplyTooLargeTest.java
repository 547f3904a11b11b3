package dev.parley.worker.reply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Choice;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Timings;
import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A reply past the record size goes out as {@code reply_too_large}, keeping everything but content and metadata. */
class ReplyTooLargeTest {

    @Test
    void anOversizedReplyBecomesAnErrorThatKeepsItsAccountingAndDropsContentAndMetadata() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", ReplyPublisher.FRAMING_BYTES + 1024);
        Reply huge = Reply.builder().requestId("r1").conversationId("c1").status(ReplyStatus.OK)
                .content("x".repeat(4096)).finishReason(FinishReason.STOP).usage(new Usage(5, 0, 0, 4096))
                .timings(new Timings(1, 2, 3)).turn(2).droppedTurns(1).model("m").worker("w1")
                .metadata(Map.of("trace", "t")).build();

        publisher.publish(null, huge);

        Reply sent = WireJson.fromBytes(producer.history().get(0).value(), Reply.class);
        assertThat(sent.status()).isEqualTo(ReplyStatus.ERROR);
        assertThat(sent.error().code()).isEqualTo("reply_too_large");
        assertThat(sent.finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(sent.content()).isNull();
        assertThat(sent.metadata()).isNull();
        assertThat(sent).usingRecursiveComparison().comparingOnlyFields("requestId", "conversationId", "usage",
                "timings", "turn", "droppedTurns", "model", "worker").isEqualTo(huge);
    }

    @Test
    void aReplyTooLargeOnlyForItsLogprobsKeepsItsAnswerAndTheFirstTokensEntriesThatFit() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", ReplyPublisher.FRAMING_BYTES + 4096);
        List<TokenLogprob> entries = new ArrayList<>();
        for (int token = 0; token < 200; token++) {
            entries.add(new TokenLogprob("ab", -0.5, List.of(97, 98), List.of(
                    new TokenLogprob.Alternative("ab", -0.5, List.of(97, 98)))));
        }
        Reply reply = Reply.builder().requestId("r1").conversationId("c1").status(ReplyStatus.OK)
                .content("ab".repeat(200)).finishReason(FinishReason.STOP).turn(1).logprobs(entries).build();

        publisher.publish(null, reply);

        byte[] value = producer.history().get(0).value();
        Reply sent = WireJson.fromBytes(value, Reply.class);
        assertThat(value.length).isLessThanOrEqualTo(4096);
        assertThat(sent.status()).isEqualTo(ReplyStatus.OK);
        assertThat(sent.content()).isEqualTo(reply.content());
        assertThat(sent.logprobs()).isNotEmpty().hasSizeLessThan(entries.size())
                .isEqualTo(entries.subList(0, sent.logprobs().size()));
    }

    @Test
    void aReplyOfSeveralAnswersTooLargeForTheirLogprobsKeepsEveryAnswerAndLeavesTheFurtherOnesEntriesOut() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ReplyPublisher publisher = new ReplyPublisher(producer, "replies", ReplyPublisher.FRAMING_BYTES + 4096);
        List<TokenLogprob> entries = new ArrayList<>();
        for (int token = 0; token < 40; token++) {
            entries.add(new TokenLogprob("ab", -0.5, List.of(97, 98), List.of()));
        }
        List<Choice> choices = List.of(new Choice(0, "ab".repeat(40), FinishReason.STOP, 40, null),
                new Choice(1, "cd".repeat(40), FinishReason.LENGTH, 40, entries),
                new Choice(2, "ef".repeat(40), FinishReason.LENGTH, 40, entries));
        Reply reply = Reply.builder().requestId("r1").conversationId("c1").status(ReplyStatus.OK)
                .content("ab".repeat(40)).finishReason(FinishReason.STOP).turn(1).logprobs(entries)
                .choices(choices).build();
        assertThat(WireJson.toBytes(reply).length).isGreaterThan(4096);

        publisher.publish(null, reply);

        byte[] value = producer.history().get(0).value();
        Reply sent = WireJson.fromBytes(value, Reply.class);
        assertThat(value.length).isLessThanOrEqualTo(4096);
        assertThat(sent.status()).isEqualTo(ReplyStatus.OK);
        assertThat(sent.logprobs()).isEqualTo(entries);
        assertThat(sent.choices()).extracting(Choice::content).containsExactly("ab".repeat(40), "cd".repeat(40),
                "ef".repeat(40));
        assertThat(sent.choices()).allSatisfy(choice -> assertThat(choice.logprobs()).isNull());
    }
}
