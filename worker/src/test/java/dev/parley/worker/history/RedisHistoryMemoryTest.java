package dev.parley.worker.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.redis.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * 1000 turns of one conversation through the store, each read and appended the way a turn does, against a real
 * redis-server: the conversation's Redis memory ({@code MEMORY USAGE} of its keys) stays under the bound derived
 * from the limits, the turn counter keeps counting, and idempotency holds inside its window.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisHistoryMemoryTest {

    private static final Logger log = LoggerFactory.getLogger(RedisHistoryMemoryTest.class);
    private static final int TURNS = 1000;
    private static final int CONTEXT_TOKENS = 2048;

    /**
     * What Redis spends beyond the JSON it holds, per the claim in docs/configuration.md: the allocator rounds each
     * value up by at most a quarter; each turn costs a list entry; each remembered request id a hash entry and a list
     * entry holding the id (at most 128 bytes) twice; and the keys themselves.
     */
    static final double ALLOCATOR_ROUNDING = 1.25;
    static final int BYTES_PER_TURN = 32;
    static final int BYTES_PER_REQUEST_ID = 350;
    static final int BYTES_PER_CONVERSATION = 4096;

    private RedisServer server;
    private RedisClient redis;

    @BeforeAll
    void startRedis() {
        server = RedisServer.launch();
        redis = RedisConnector.connect(server.uri(), Map.of());
    }

    @AfterAll
    void stopRedis() {
        redis.close();
        server.close();
    }

    @ParameterizedTest(name = "max {0} turns, {1} bytes, window {2}")
    @CsvSource({"1000, 1048576, 1000", "100, 1048576, 100", "1000, 65536, 20"})
    void memoryPerConversationStaysUnderTheBound(int maxTurns, long maxBytes, int window) {
        HistoryLimits limits = new HistoryLimits(maxTurns, maxBytes, window);
        RedisHistoryStore store = new RedisHistoryStore(redis, Duration.ofDays(7), limits);
        String conversation = "memory-" + maxTurns + "-" + maxBytes + "-" + window;
        TailBudget budget = TailBudget.forContext(CONTEXT_TOKENS);
        Random random = new Random(42);
        long jsonWritten = 0;
        long largestEntry = 0;
        long largestReply = 0;
        String firstRequest = null;
        String lastRequest = null;
        HistoryEntry lastEntry = null;

        for (int i = 0; i < TURNS; i++) {
            HistoryTail tail = store.loadTail(conversation, budget);
            assertThat(tail.turnCount()).as("counter before turn %d", i + 1).isEqualTo(i);
            assertThat(tail.entries().stream().mapToLong(RedisHistoryMemoryTest::bytes).sum())
                    .isLessThanOrEqualTo(budget.maxBytes());
            String requestId = UUID.nameUUIDFromBytes(("request " + i).getBytes(StandardCharsets.UTF_8)).toString();
            HistoryEntry entry = new HistoryEntry(tail.turnCount() + 1, requestId, i == 0 ? "Be helpful." : null,
                    List.of(ChatMessage.user(words(random, 200 + random.nextInt(600)))),
                    words(random, 1000 + random.nextInt(2000)), Instant.now());
            Reply reply = reply(conversation, entry, tail.earlierTurns());
            AppendOutcome outcome = store.append(conversation, entry, reply);
            assertThat(outcome).isInstanceOf(AppendOutcome.Appended.class);
            assertThat(((AppendOutcome.Appended) outcome).turn()).isEqualTo(i + 1);
            jsonWritten += bytes(entry) + bytes(reply);
            largestEntry = Math.max(largestEntry, bytes(entry));
            largestReply = Math.max(largestReply, bytes(reply));
            firstRequest = firstRequest == null ? requestId : firstRequest;
            lastRequest = requestId;
            lastEntry = entry;
        }

        long memory = 0;
        for (String key : RedisHistoryStore.keys(conversation)) {
            Long usage = redis.memoryUsage(key, 0);
            memory += usage == null ? 0 : usage; // no cancellations here: that key does not exist
        }
        long turnJson = Math.max(largestEntry, Math.min(maxBytes, (long) maxTurns * largestEntry));
        long replyJson = Math.max(largestReply, Math.min(maxBytes, (long) window * largestReply));
        long bound = (long) (ALLOCATOR_ROUNDING * (turnJson + replyJson)) + (long) BYTES_PER_TURN * maxTurns
                + (long) BYTES_PER_REQUEST_ID * window + BYTES_PER_CONVERSATION;
        List<HistoryEntry> stored = store.load(conversation);
        log.info("After {} turns with max-turns={} max-bytes={} window={}: Redis holds {} turns and {} replies in {} "
                        + "bytes (MEMORY USAGE of its keys; bound {}, JSON written {})", TURNS, maxTurns, maxBytes,
                window, stored.size(), redis.hlen(RedisHistoryStore.repliesKey(conversation)), memory, bound,
                jsonWritten);

        assertThat(jsonWritten).as("without the bound Redis would hold more than the bound").isGreaterThan(bound);
        assertThat(memory).as("Redis memory of the conversation").isLessThanOrEqualTo(bound);
        assertThat(stored).extracting(HistoryEntry::turn).as("the newest turns, in order")
                .containsExactlyElementsOf(IntStream.rangeClosed(TURNS - stored.size() + 1, TURNS).boxed().toList());
        assertThat(stored.size()).isLessThanOrEqualTo(maxTurns);
        assertThat(stored.stream().mapToLong(RedisHistoryMemoryTest::bytes).sum()).isLessThanOrEqualTo(maxBytes);
        HistoryTail tail = store.loadTail(conversation, budget);
        assertThat(tail.turnCount()).isEqualTo(TURNS);
        assertThat(tail.system()).as("turn 1's system prompt, long dropped").isEqualTo("Be helpful.");
        // Idempotency inside the window, and a documented new generation outside it.
        AppendOutcome again = store.append(conversation, lastEntry, reply(conversation, lastEntry, 0));
        assertThat(again).isInstanceOf(AppendOutcome.Duplicate.class);
        assertThat(((AppendOutcome.Duplicate) again).storedReply().content()).isEqualTo(lastEntry.answer());
        assertThat(store.storedReply(conversation, firstRequest)).as("outside the window").isEmpty();
        assertThat(store.loadTail(conversation, budget).turnCount()).as("the duplicate added nothing").isEqualTo(TURNS);
    }

    private static Reply reply(String conversation, HistoryEntry entry, int droppedTurns) {
        return Reply.builder().requestId(entry.requestId()).conversationId(conversation).status(ReplyStatus.OK)
                .content(entry.answer()).finishReason(FinishReason.STOP).usage(new Usage(120, 90, 0, 400))
                .turn(entry.turn()).droppedTurns(droppedTurns).model("smollm2-135m").worker("worker-a").build();
    }

    private static String words(Random random, int length) {
        StringBuilder text = new StringBuilder(length + 10);
        while (text.length() < length) {
            int word = 2 + random.nextInt(8);
            for (int i = 0; i < word; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            text.append(random.nextInt(12) == 0 ? ". " : " ");
        }
        return text.toString();
    }

    static long bytes(Object value) {
        return WireJson.toString(value).getBytes(StandardCharsets.UTF_8).length;
    }
}
