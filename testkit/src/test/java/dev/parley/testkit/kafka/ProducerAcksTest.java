package dev.parley.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The sends' wait on Kafka's MockProducer, whose sends complete only when the test says so. */
class ProducerAcksTest {

    private final MockProducer<String, String> producer = new MockProducer<>(false, null, new StringSerializer(),
            new StringSerializer());

    private List<Future<RecordMetadata>> send(int records) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            sends.add(producer.send(new ProducerRecord<>("t", 0, "k", "v" + i)));
        }
        return sends;
    }

    @Test
    void aSendThatNeverCompletesFailsAfterTheQuietPeriodAndClosesTheProducer() {
        List<Future<RecordMetadata>> sends = send(3);
        producer.completeNext();

        assertThatThrownBy(() -> ProducerAcks.await(producer, sends, Duration.ofSeconds(1), () -> "worker: fine"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no send acknowledged for 1 s: 2 of 3 pending, the first #1")
                .hasMessageContaining("worker: fine");
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void sendsThatKeepCompletingAreWaitedForHoweverLongTheyTakeInAll() throws Exception {
        List<Future<RecordMetadata>> sends = send(30);
        Thread broker = new Thread(() -> {
            try {
                // 30 x 150 ms is more than twice the quiet period in all; each gap is a thirteenth of it.
                while (producer.completeNext()) {
                    Thread.sleep(150);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "acknowledging-broker");
        broker.start();

        List<RecordMetadata> acknowledged = ProducerAcks.await(producer, sends, Duration.ofSeconds(2), () -> "");
        broker.join();

        assertThat(acknowledged).extracting(RecordMetadata::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, 30).boxed().toList());
    }

    @Test
    void aFailedSendFailsWithItsIndex() {
        List<Future<RecordMetadata>> sends = send(2);
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));

        assertThatThrownBy(() -> ProducerAcks.await(producer, sends, Duration.ofSeconds(30), () -> ""))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("send #1 of 2 failed")
                .hasMessageContaining("too large");
    }
}
