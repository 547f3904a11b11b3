package dev.parley.worker.reply;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Knows whether a prompt's {@code reply_to} topic exists. A reply sent to a missing topic would block its turn (and
 * conversation) until the producer gives up, again and again; such prompts are dead-lettered instead. Existing
 * topics are remembered; a missing one is asked about again after {@link #RECHECK}.
 */
public final class ReplyTopics {

    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> missingSince = new ConcurrentHashMap<>();

    public ReplyTopics(Admin admin, String defaultTopic) {
        this.admin = admin;
        known.add(defaultTopic);
    }

    /**
     * Whether the topic exists. An unanswered question (broker down) counts as existing: the reply is then retried
     * like any publish during an outage.
     */
    public boolean exists(String topic) {
        if (known.contains(topic)) {
            return true;
        }
        Long since = missingSince.get(topic);
        if (since != null && System.nanoTime() - since < RECHECK.toNanos()) {
            return false;
        }
        try {
            admin.describeTopics(Set.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            known.add(topic);
            missingSince.remove(topic);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                missingSince.put(topic, System.nanoTime());
                return false;
            }
            return true;
        } catch (TimeoutException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
