package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.retry.Backoff;
import dev.parley.worker.dispatch.Dispatcher;
import dev.parley.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The intake's books per partition: what taking and giving back a partition does to them, and done reports. */
class PartitionLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    /** No commit is made here, so it never backs off; its failure streak still needs a backoff. */
    private final CommitKeeper commits = new CommitKeeper(consumer, new WorkerMetrics(new SimpleMeterRegistry()),
            Duration.ZERO, Backoff.DEFAULT, System::nanoTime);
    private final CompletionChannel completions = new CompletionChannel();
    private final PartitionLedger ledger = new PartitionLedger(completions, commits,
            new Dispatcher(4, Runnable::run, turn -> { }));

    @Test
    void aPartitionTakenFromACommitSkipsWhatItsMetadataListsAsDone() {
        ledger.take(P0, new OffsetAndMetadata(5, "parley-done:v1:2"));   // offset 7 was done above the commit at 5

        assertThat(ledger.assignment()).containsExactly(P0);
        assertThat(commits.confirmed(P0)).isEqualTo(new OffsetAndMetadata(5, "parley-done:v1:2"));
        assertThat(ledger.doneBeforeRestart(P0, 6)).isFalse();
        assertThat(ledger.doneBeforeRestart(P0, 7)).isTrue();
        assertThat(ledger.doneBeforeRestart(P0, 7)).as("crossed off once skipped").isFalse();
    }

    @Test
    void doneReportsCountDownTheBufferedRecords() {
        ledger.take(P0, null);
        ledger.tracker(P0).track(0);
        ledger.tracker(P0).track(1);
        ledger.countBuffered();
        assertThat(ledger.buffered()).isEqualTo(2);

        completions.report(P0, 0);
        ledger.applyCompletions(0);

        assertThat(ledger.buffered()).isEqualTo(1);
        assertThat(ledger.trackers().get(P0).commitPoint()).isEqualTo(1);
    }

    @Test
    void aPartitionGivenBackIsForgottenAndItsLateReportsIgnored() {
        ledger.take(P0, new OffsetAndMetadata(3, ""));
        ledger.take(P1, null);
        ledger.tracker(P0).track(3);
        ledger.tracker(P1).track(0);

        ledger.giveBack(List.of(P0));
        completions.report(P0, 3);   // a turn of the revoked partition finishing late
        ledger.applyCompletions(0);

        assertThat(ledger.assignment()).containsExactly(P1);
        assertThat(ledger.owned()).containsExactly(P1);
        assertThat(ledger.trackers()).doesNotContainKey(P0);
        assertThat(commits.confirmed(P0)).isNull();
        assertThat(ledger.buffered()).isEqualTo(1);
    }
}
