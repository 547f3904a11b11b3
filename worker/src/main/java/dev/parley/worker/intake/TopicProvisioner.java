package dev.parley.worker.intake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the worker's topics when they are missing, and returns once their partitions take writes; several workers
 * starting at once is fine.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final long TIMEOUT_SECONDS = 60;
    private static final long FIRST_BACKOFF_MILLIS = 20;
    private static final long MAX_BACKOFF_MILLIS = 1_000;

    private TopicProvisioner() {
    }

    /**
     * Creates each missing topic with {@code partitions} partitions and replication {@code replication} (-1: default),
     * and waits until their leaders serve them.
     */
    public static void ensure(Admin admin, Collection<String> topics, int partitions, short replication) {
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(partitions),
                            replication < 0 ? Optional.empty() : Optional.of(replication)));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            List<String> created = new ArrayList<>();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    created.add(entry.getKey());
                    log.info("Created topic {} with {} partitions", entry.getKey(), partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitServed(admin, created, partitions);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topics " + topics + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the leader of every partition of the topics just {@code created} serves it. A broker (Kafka 4.4)
     * publishes a new partition's leader in its metadata before its replica manager serves the partition, so a producer
     * can see the leader and be refused (NOT_LEADER_OR_FOLLOWER). An idempotent producer with several requests in
     * flight can then have a later batch written first; the broker, which has no state for the producer yet, takes it,
     * and every retry of the refused batch fails with OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms drops it
     * (KAFKA-15591, fixed in Kafka 4.5). ListOffsets goes to the same leader's replica manager, and the admin client
     * retries it past NOT_LEADER_OR_FOLLOWER, so once it answers for every partition, writes land in order. (A topic
     * another worker created at the same moment is that worker's to wait for.)
     */
    public static void awaitServed(Admin admin, Collection<String> created, int partitions)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : created) {
            for (int partition = 0; partition < partitions; partition++) {
                latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        long backoffMillis = FIRST_BACKOFF_MILLIS;
        for (int refusals = 0; ; refusals++) {
            try {
                admin.listOffsets(latest).all().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (refusals > 0) {
                    log.info("Topics {} served after {} answers of 'unknown topic'", created, refusals);
                }
                return;
            } catch (ExecutionException e) {
                // Right after CreateTopics the broker answering may not know the topic yet; the admin client does not
                // retry that answer for ListOffsets. Asked again with a capped backoff, within the same deadline.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) > deadline) {
                    throw e;
                }
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(2 * backoffMillis, MAX_BACKOFF_MILLIS);
            }
        }
    }
}
