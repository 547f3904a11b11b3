package dev.parley.worker.intake;

import java.time.Duration;
import java.util.Collection;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What a rebalance may ask of the intake's per-partition state (the shape of decaton's
 * {@code ConsumeManager.ConsumerHandler}): the listener says which partitions come and go, the ledger keeps the
 * books. Poll thread only: rebalance callbacks run inside {@code poll()}.
 */
interface PartitionOwnership {

    /** The group answered a join: called after every rebalance, also one that brought nothing (more) to own. */
    void joined();

    /**
     * Starts owning {@code partition} from the group's commit: tracking starts afresh, and records that the commit's
     * metadata lists as done above its offset will be skipped.
     *
     * @param committed what the group committed, or {@code null} when nothing was (or it could not be read)
     */
    void take(TopicPartition partition, OffsetAndMetadata committed);

    /**
     * Lets the running turns of {@code partitions} finish within {@code grace}, applying their done reports, then
     * commits what is done; a turn still running after the grace is logged by name and its record stays uncommitted.
     */
    void settle(Collection<TopicPartition> partitions, Duration grace);

    /** Stops owning {@code partitions}: their trackers, done lists and commit memory are forgotten. */
    void giveBack(Collection<TopicPartition> partitions);
}
