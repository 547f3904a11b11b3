package dev.parley.worker.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.codec.WireJson;
import dev.parley.worker.dispatch.PendingTurn;
import dev.parley.worker.metrics.ParleyMeter;
import dev.parley.worker.metrics.WorkerMetrics;
import dev.parley.worker.quota.BucketState;
import dev.parley.worker.quota.QuotaGate;
import dev.parley.worker.quota.QuotaLimit;
import dev.parley.worker.quota.QuotaMetrics;
import dev.parley.worker.quota.QuotaSettings;
import dev.parley.worker.quota.QuotaUnavailableException;
import dev.parley.worker.quota.TokenBuckets;
import dev.parley.worker.reply.ReplyPublisher;
import dev.parley.schemas.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The quota hook in the turn flow, with a hand-written bucket store (the Redis script has its own test, and
 * QuotaTest runs the whole thing on two workers): what a refused turn leaves behind, what an admitted one is charged,
 * and how a Redis outage at either step is ridden out.
 */
class TurnQuotaTest {

    private final InMemoryHistoryStore history = new InMemoryHistoryStore();
    private final ScriptedEngine engine = new ScriptedEngine();
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final List<Duration> sleeps = new ArrayList<>();
    private final List<PendingTurn> done = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingBuckets buckets = new RecordingBuckets();
    private final QuotaSettings settings = new QuotaSettings(Map.of("acme", new QuotaLimit(1000, 100),
            "free", QuotaLimit.UNLIMITED), QuotaLimit.UNLIMITED);
    private final QuotaGate gate = new QuotaGate(buckets, settings, new QuotaMetrics(registry, settings));
    private final TurnProcessor processor = TurnProcessor.builder(history, engine,
                    new ReplyPublisher(producer, "replies"), new WorkerMetrics(registry),
                    new TurnSettings("w1", 64, 3, Backoff.DEFAULT, Duration.ofSeconds(5)))
            .sleeper(sleeps::add).onDone(done::add).limitingTenants(gate).build();

    /** Buckets that admit or refuse as told, record every settle and fail as many calls as asked. */
    static final class RecordingBuckets implements TokenBuckets {
        final List<String> settles = new ArrayList<>();
        boolean admit = true;
        boolean failOnCharge;
        int failNext;

        @Override
        public BucketState settle(String tenant, QuotaLimit limit, long promptTokens, long completionTokens) {
            settles.add(tenant + " " + promptTokens + "/" + completionTokens);
            if (failNext > 0 || failOnCharge && promptTokens + completionTokens > 0) {
                failNext = Math.max(0, failNext - 1);
                throw new QuotaUnavailableException("simulated outage", null);
            }
            return admit ? new BucketState(true, 0, 500, 50, null) : new BucketState(false, 1500, 500, -7, "completion");
        }
    }

    private static PendingTurn turn(String requestId, String conversation, String tenant) {
        return new PendingTurn(new TopicPartition("prompts", 0), 7, Prompt.of(requestId, conversation, "hello")
                .withTenant(tenant), 0);
    }

    private List<Reply> published() {
        return producer.history().stream().map(r -> WireJson.fromBytes(r.value(), Reply.class)).toList();
    }

    private double counter(ParleyMeter meter, String... tags) {
        var search = registry.find(meter.meterName()).tags(tags);
        return search.counter() == null ? 0 : search.counter().count();
    }

    @Test
    void aTurnOverQuotaIsAnsweredRateLimitedAndLeavesNothingBehind() {
        buckets.admit = false;
        PendingTurn turn = turn("r1", "c", "acme");

        processor.run(turn);

        assertThat(published()).singleElement().satisfies(reply -> {
            assertThat(reply.status()).isEqualTo(ReplyStatus.RATE_LIMITED);
            assertThat(reply.error().code()).isEqualTo("rate_limited");
            assertThat(reply.error().retryAfterMs()).isEqualTo(1500);
            assertThat(reply.error().message()).contains("acme").contains("completion").contains("100 per minute");
            assertThat(reply.content()).isNull();
        });
        assertThat(engine.requests).as("nothing generated").isEmpty();
        assertThat(history.turns).as("nothing appended").isEmpty();
        assertThat(history.replies).as("not stored as the request's answer").isEmpty();
        assertThat(done).containsExactly(turn);
        assertThat(counter(ParleyMeter.QUOTA_TURNS_LIMITED, "tenant", "acme")).isEqualTo(1);
        assertThat(counter(ParleyMeter.TURNS, "status", "rate_limited")).isEqualTo(1);
    }

    @Test
    void theSameRequestGoesThroughOnceTheQuotaAdmitsIt() {
        buckets.admit = false;
        processor.run(turn("r1", "c", "acme"));
        buckets.admit = true;

        processor.run(turn("r1", "c", "acme"));

        assertThat(published()).extracting(Reply::status).containsExactly(ReplyStatus.RATE_LIMITED, ReplyStatus.OK);
        assertThat(history.turns.get("c")).hasSize(1);
    }

    @Test
    void anAdmittedTurnIsChargedItsActualTokens() {
        processor.run(turn("r1", "c", "acme"));

        // Admitted with a look (0/0), then debited what the engine reports: 10 prompt, 3 completion tokens.
        assertThat(buckets.settles).containsExactly("acme 0/0", "acme 10/3");
        assertThat(counter(ParleyMeter.QUOTA_TOKENS_CHARGED, "tenant", "acme", "kind", "prompt")).isEqualTo(10);
        assertThat(counter(ParleyMeter.QUOTA_TOKENS_CHARGED, "tenant", "acme", "kind", "completion")).isEqualTo(3);
        assertThat(published()).singleElement().extracting(Reply::status).isEqualTo(ReplyStatus.OK);
    }

    @Test
    void unlimitedTenantsAndPromptsWithoutTenantNeverTouchTheBuckets() {
        processor.run(turn("r1", "c", "free"));
        processor.run(turn("r2", "c2", null)); // its own conversation: "c" belongs to tenant free

        assertThat(buckets.settles).isEmpty();
        assertThat(published()).extracting(Reply::status).containsExactly(ReplyStatus.OK, ReplyStatus.OK);
    }

    @Test
    void aRedisOutageAtAdmissionIsWaitedOutWithBackoffAndCounted() {
        buckets.failNext = 2;

        processor.run(turn("r1", "c", "acme"));

        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(published()).singleElement().extracting(Reply::status).isEqualTo(ReplyStatus.OK);
        assertThat(counter(ParleyMeter.QUOTA_FAILURES, "step", "admit")).isEqualTo(2);
        assertThat(counter(ParleyMeter.TURN_RETRIES, "cause", "history_unavailable")).isEqualTo(2);
        assertThat(history.turns.get("c")).hasSize(1);
    }

    @Test
    void aDebitRedisDidNotTakeIsAddedToTheTenantsNextSettle() {
        buckets.failOnCharge = true;
        processor.run(turn("r1", "c", "acme"));
        buckets.failOnCharge = false;

        // The answer went out regardless; the debit waits here for the tenant's next settle.
        assertThat(published()).singleElement().extracting(Reply::status).isEqualTo(ReplyStatus.OK);
        assertThat(gate.unsettled("acme")).containsExactly(10, 3);
        assertThat(counter(ParleyMeter.QUOTA_FAILURES, "step", "charge")).isEqualTo(1);
        assertThat(counter(ParleyMeter.QUOTA_TOKENS_CHARGED, "tenant", "acme", "kind", "prompt")).isZero();

        processor.run(turn("r2", "c", "acme"));

        // The next admission carries the debt, the next charge its own tokens.
        assertThat(buckets.settles).containsExactly("acme 0/0", "acme 10/3", "acme 10/3", "acme 10/3");
        assertThat(gate.unsettled("acme")).containsExactly(0, 0);
        assertThat(counter(ParleyMeter.QUOTA_TOKENS_CHARGED, "tenant", "acme", "kind", "prompt")).isEqualTo(20);
    }
}
