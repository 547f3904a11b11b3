package dev.parley.worker.reply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The reply_to checks on a scripted broker answer and a settable clock. */
class ReplyTopicsTest {

    private final List<String> asked = new ArrayList<>();
    private final AtomicLong nanos = new AtomicLong();

    private ReplyTopics topics(List<String> prefixes, String... existing) {
        List<String> exists = List.of(existing);
        return new ReplyTopics(topic -> {
            asked.add(topic);
            return exists.contains(topic) ? ReplyTopics.Answer.EXISTS : ReplyTopics.Answer.MISSING;
        }, "parley.replies", prefixes, nanos::get);
    }

    /** M5: with reply-to-prefixes set, a topic outside them is refused before the broker is asked. */
    @Test
    void aReplyToOutsideTheAllowedPrefixesIsRefusedWithTheReason() {
        ReplyTopics topics = topics(List.of("svc.", "parley.replies"), "svc.billing", "payments.ledger");

        assertThat(topics.undeliverable(null)).isEmpty();
        assertThat(topics.undeliverable("parley.replies")).isEmpty();
        assertThat(topics.undeliverable("svc.billing")).isEmpty();
        assertThat(topics.undeliverable("payments.ledger")).hasValueSatisfying(reason -> assertThat(reason)
                .contains("payments.ledger").contains("outside reply-to-prefixes"));
        assertThat(topics.undeliverable("svc.gone")).hasValue("reply_to topic 'svc.gone' does not exist");
        assertThat(asked).containsExactly("svc.billing", "svc.gone");
    }

    @Test
    void withoutPrefixesAnyExistingTopicIsAllowed() {
        ReplyTopics topics = topics(List.of(), "payments.ledger");

        assertThat(topics.undeliverable("payments.ledger")).isEmpty();
    }

    /** L1: invented reply_to names never grow the memory of missing topics past its bound. */
    @Test
    void missingTopicsAreRememberedUpToABoundAndAskedAgainAfterTheRecheck() {
        ReplyTopics topics = topics(List.of());
        for (int i = 0; i < 3 * ReplyTopics.MISSING_REMEMBERED; i++) {
            assertThat(topics.exists("invented-" + i)).isFalse();
        }
        assertThat(topics.missingRemembered()).isEqualTo(ReplyTopics.MISSING_REMEMBERED);

        asked.clear();
        String newest = "invented-" + (3 * ReplyTopics.MISSING_REMEMBERED - 1);
        topics.exists(newest);
        assertThat(asked).as("remembered: not asked again").isEmpty();
        nanos.addAndGet(ReplyTopics.RECHECK.toNanos());
        topics.exists(newest);
        assertThat(asked).containsExactly(newest);
    }
}
