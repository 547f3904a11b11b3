package dev.parley.worker.reply;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Decides whether a prompt's {@code reply_to} topic can be answered on. A topic outside the allowed prefixes
 * ({@code reply-to-prefixes}) is refused: otherwise any producer of prompts could have the worker write model text to
 * any topic its credentials reach. A reply sent to a missing topic would block its turn (and conversation) until the
 * producer gives up, again and again; such prompts are dead-lettered instead. Existing topics are remembered; a
 * missing one is asked about again after {@link #RECHECK}, and at most {@link #MISSING_REMEMBERED} missing ones are
 * remembered (the oldest go first), however many names producers invent.
 */
public final class ReplyTopics {

    static final Duration RECHECK = Duration.ofSeconds(30);
    static final int MISSING_REMEMBERED = 1024;
    private static final long TIMEOUT_SECONDS = 10;

    /** Whether a topic exists, as the broker answers. */
    enum Answer { EXISTS, MISSING, UNKNOWN }

    @FunctionalInterface
    interface Lookup {
        Answer describe(String topic);
    }

    private final Lookup lookup;
    private final String defaultTopic;
    private final List<String> allowedPrefixes;
    private final LongSupplier nanoTime;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> missingSince = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MISSING_REMEMBERED;
        }
    });

    /**
     * @param allowedPrefixes prefixes a reply_to topic must start with; empty: any topic
     */
    public ReplyTopics(Admin admin, String defaultTopic, List<String> allowedPrefixes) {
        this(topic -> describe(admin, topic), defaultTopic, allowedPrefixes, System::nanoTime);
    }

    public ReplyTopics(Admin admin, String defaultTopic) {
        this(admin, defaultTopic, List.of());
    }

    ReplyTopics(Lookup lookup, String defaultTopic, List<String> allowedPrefixes, LongSupplier nanoTime) {
        this.lookup = lookup;
        this.defaultTopic = defaultTopic;
        this.allowedPrefixes = List.copyOf(allowedPrefixes);
        this.nanoTime = nanoTime;
        known.add(defaultTopic);
    }

    /**
     * Why a reply to {@code replyTo} cannot be sent, or empty when it can ({@code null}: the default reply topic,
     * always allowed).
     */
    public Optional<String> undeliverable(String replyTo) {
        if (replyTo == null || replyTo.equals(defaultTopic)) {
            return Optional.empty();
        }
        if (!allowedPrefixes.isEmpty() && allowedPrefixes.stream().noneMatch(replyTo::startsWith)) {
            return Optional.of("reply_to topic '" + replyTo + "' is outside reply-to-prefixes " + allowedPrefixes);
        }
        return exists(replyTo) ? Optional.empty()
                : Optional.of("reply_to topic '" + replyTo + "' does not exist");
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
        if (since != null && nanoTime.getAsLong() - since < RECHECK.toNanos()) {
            return false;
        }
        switch (lookup.describe(topic)) {
            case EXISTS -> {
                known.add(topic);
                missingSince.remove(topic);
                return true;
            }
            case MISSING -> {
                missingSince.put(topic, nanoTime.getAsLong());
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    /** Missing topics remembered now. */
    int missingRemembered() {
        return missingSince.size();
    }

    private static Answer describe(Admin admin, String topic) {
        try {
            admin.describeTopics(Set.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return Answer.EXISTS;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException ? Answer.MISSING : Answer.UNKNOWN;
        } catch (TimeoutException e) {
            return Answer.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.UNKNOWN;
        }
    }
}
