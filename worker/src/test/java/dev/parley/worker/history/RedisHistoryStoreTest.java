package dev.parley.worker.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.redis.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

/**
 * The bounds of {@link RedisHistoryStore} against a real redis-server: each limit just below, at and above it, the
 * turn counter and the system prompt surviving dropped turns, idempotency within its window, and the tail read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisHistoryStoreTest {

    private static final AtomicInteger CONVERSATIONS = new AtomicInteger();

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

    private RedisHistoryStore store(HistoryLimits limits) {
        return new RedisHistoryStore(redis, Duration.ZERO, limits);
    }

    private static String newConversation() {
        return "bounds-" + CONVERSATIONS.incrementAndGet();
    }

    static HistoryEntry entry(int turn, String text) {
        return new HistoryEntry(turn, "r" + turn, null, List.of(ChatMessage.user(text)), "answer " + text,
                Instant.EPOCH);
    }

    static Reply reply(String requestId, String conversationId, int turn, String content) {
        return Reply.builder().requestId(requestId).conversationId(conversationId).status(ReplyStatus.OK)
                .content(content).finishReason(FinishReason.STOP).turn(turn).droppedTurns(0).model("m").worker("w")
                .build();
    }

    static int bytes(Object value) {
        return WireJson.toString(value).getBytes(StandardCharsets.UTF_8).length;
    }

    /** Appends turns 1..n (each must be stored) and answers the outcome of the last. */
    private static AppendOutcome.Appended appendTurns(RedisHistoryStore store, String conversation, int from, int to) {
        AppendOutcome last = null;
        for (int turn = from; turn <= to; turn++) {
            HistoryEntry entry = entry(turn, "message " + turn);
            last = store.append(conversation, entry, reply(entry.requestId(), conversation, turn, entry.answer()));
            assertThat(last).as("turn %d", turn).isInstanceOf(AppendOutcome.Appended.class);
        }
        return (AppendOutcome.Appended) last;
    }

    private static List<Integer> storedTurns(RedisHistoryStore store, String conversation) {
        return store.load(conversation).stream().map(HistoryEntry::turn).toList();
    }

    @ParameterizedTest(name = "{0} turns against a bound of 10")
    @ValueSource(ints = {9, 10, 11})
    void theTurnBoundDropsTheOldestOnlyAboveIt(int turns) {
        RedisHistoryStore store = store(new HistoryLimits(10, 1 << 20, 100));
        String conversation = newConversation();

        AppendOutcome.Appended last = appendTurns(store, conversation, 1, turns);

        assertThat(last.turn()).isEqualTo(turns);
        // Above the bound, down to 90% of it: 9 of the 11 turns stay.
        assertThat(last.droppedOldest()).isEqualTo(turns > 10 ? 2 : 0);
        int firstKept = turns > 10 ? 3 : 1;
        assertThat(storedTurns(store, conversation)).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(firstKept, turns).boxed().toList());
        HistoryTail tail = store.loadTail(conversation, TailBudget.unbounded());
        assertThat(tail.turnCount()).as("the counter, not the list length").isEqualTo(turns);
        assertThat(tail.earlierTurns()).isEqualTo(firstKept - 1);
    }

    @ParameterizedTest(name = "bound {0} bytes from three turns")
    @ValueSource(ints = {-1, 0, 1})
    void theByteBoundDropsTheOldestOnlyAboveIt(int offsetFromThreeTurns) {
        String conversation = newConversation();
        long threeTurns = bytes(entry(1, "message 1")) + bytes(entry(2, "message 2")) + bytes(entry(3, "message 3"));
        RedisHistoryStore store = store(new HistoryLimits(1000, threeTurns + offsetFromThreeTurns, 100));

        appendTurns(store, conversation, 1, 3);

        assertThat(storedTurns(store, conversation))
                .containsExactlyElementsOf(offsetFromThreeTurns < 0 ? List.of(2, 3) : List.of(1, 2, 3));
        assertThat(metaBytes(conversation, "turn_bytes")).isEqualTo(
                offsetFromThreeTurns < 0 ? threeTurns - bytes(entry(1, "message 1")) : threeTurns);
    }

    @Test
    void aTrimLeavesTheHistoryAtTheSameFirstTurnForATenthOfTheBound() {
        RedisHistoryStore store = store(new HistoryLimits(20, 1 << 20, 100));
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 21);
        assertThat(storedTurns(store, conversation)).first().isEqualTo(4);

        for (int turn = 22; turn <= 23; turn++) {
            appendTurns(store, conversation, turn, turn);
            assertThat(storedTurns(store, conversation)).as("after turn %d", turn).first().isEqualTo(4);
        }
        appendTurns(store, conversation, 24, 24);
        assertThat(storedTurns(store, conversation)).hasSize(18).first().isEqualTo(7);
    }

    @Test
    void theNewestTurnAndReplyStayEvenWhenLargerThanTheByteBound() {
        RedisHistoryStore store = store(new HistoryLimits(1000, 64, 100));
        String conversation = newConversation();

        appendTurns(store, conversation, 1, 3);

        assertThat(storedTurns(store, conversation)).containsExactly(3);
        assertThat(store.storedReply(conversation, "r3")).isPresent();
        assertThat(store.storedReply(conversation, "r2")).isEmpty();
    }

    @ParameterizedTest(name = "{0} requests against a window of 5")
    @ValueSource(ints = {4, 5, 6})
    void theIdempotencyWindowKeepsTheLastRequestIds(int requests) {
        RedisHistoryStore store = store(new HistoryLimits(1000, 1 << 20, 5));
        String conversation = newConversation();

        appendTurns(store, conversation, 1, requests);

        for (int turn = 1; turn <= requests; turn++) {
            boolean inWindow = turn > requests - 5;
            assertThat(store.storedReply(conversation, "r" + turn).isPresent()).as("r%d kept", turn).isEqualTo(inWindow);
        }
        assertThat(redis.llen(RedisHistoryStore.replyIdsKey(conversation))).isEqualTo(Math.min(requests, 5));
        assertThat(storedTurns(store, conversation)).as("turns have their own bound").hasSize(requests);
    }

    @ParameterizedTest(name = "bound {0} bytes from two replies")
    @ValueSource(ints = {-1, 0, 1})
    void storedRepliesShareTheByteBound(int offsetFromTwoReplies) {
        String conversation = newConversation();
        String large = "x".repeat(4000);
        Reply first = reply("e1", conversation, 1, large);
        Reply second = reply("e2", conversation, 1, large);
        long twoReplies = bytes(first) + bytes(second);
        RedisHistoryStore store = store(new HistoryLimits(1000, twoReplies + offsetFromTwoReplies, 100));

        store.recordReply(conversation, "e1", first);
        store.recordReply(conversation, "e2", second);

        assertThat(store.storedReply(conversation, "e1").isPresent()).isEqualTo(offsetFromTwoReplies >= 0);
        assertThat(store.storedReply(conversation, "e2")).contains(second);
        assertThat(metaBytes(conversation, "reply_bytes"))
                .isEqualTo(offsetFromTwoReplies >= 0 ? twoReplies : bytes(second));
    }

    @Test
    void anAppendOfAStoredRequestIdIsNotAppliedTwice() {
        RedisHistoryStore store = store(new HistoryLimits(3, 1 << 20, 10));
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 5);
        Map<String, String> metaBefore = redis.hgetAll(RedisHistoryStore.metaKey(conversation));

        HistoryEntry again = entry(5, "message 5");
        AppendOutcome outcome = store.append(conversation, again, reply("r5", conversation, 5, "a second answer"));
        AppendOutcome stale = store.append(conversation, new HistoryEntry(6, "r5", null, again.messages(), "later",
                Instant.EPOCH), reply("r5", conversation, 6, "later"));

        assertThat(outcome).isInstanceOf(AppendOutcome.Duplicate.class);
        assertThat(((AppendOutcome.Duplicate) outcome).storedReply().content()).isEqualTo("answer message 5");
        assertThat(stale).as("even numbered as the next turn").isInstanceOf(AppendOutcome.Duplicate.class);
        assertThat(redis.hgetAll(RedisHistoryStore.metaKey(conversation))).isEqualTo(metaBefore);
        assertThat(storedTurns(store, conversation)).containsExactly(3, 4, 5);
        assertThat(redis.llen(RedisHistoryStore.replyIdsKey(conversation))).isEqualTo(5);
    }

    @Test
    void aTurnNumberNotFollowingTheCounterConflictsAfterTurnsWereDropped() {
        RedisHistoryStore store = store(new HistoryLimits(2, 1 << 20, 10));
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 4);

        // 2 + 1 would follow the list length; the counter says 4.
        AppendOutcome byLength = store.append(conversation, new HistoryEntry(3, "x", null,
                List.of(ChatMessage.user("x")), "x", Instant.EPOCH), reply("x", conversation, 3, "x"));

        assertThat(byLength).isEqualTo(new AppendOutcome.Conflict(4));
        assertThat(store.storedReply(conversation, "x")).isEmpty();
        assertThat(appendTurns(store, conversation, 5, 5).turn()).isEqualTo(5);
    }

    @Test
    void theSystemPromptInForceOutlivesTheTurnThatCarriedIt() {
        RedisHistoryStore store = store(new HistoryLimits(2, 1 << 20, 10));
        String conversation = newConversation();
        HistoryEntry withSystem = new HistoryEntry(1, "r1", "Be brief.", List.of(ChatMessage.user("hi")), "hello",
                Instant.EPOCH);
        store.append(conversation, withSystem, reply("r1", conversation, 1, "hello"));
        appendTurns(store, conversation, 2, 4);

        HistoryTail tail = store.loadTail(conversation, TailBudget.unbounded());

        assertThat(tail.entries()).extracting(HistoryEntry::turn).containsExactly(3, 4);
        assertThat(tail.system()).isEqualTo("Be brief.");
    }

    @ParameterizedTest(name = "tail budget of {0} turns from 40")
    @ValueSource(ints = {0, 1, 31, 32, 33, 39, 40, 41})
    void theTailReadStopsAtItsTurnBudget(int budgetTurns) {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 40);

        HistoryTail tail = store.loadTail(conversation, new TailBudget(budgetTurns, Long.MAX_VALUE));

        int read = Math.min(budgetTurns, 40);
        assertThat(tail.entries()).extracting(HistoryEntry::turn).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(40 - read + 1, 40).boxed().toList());
        assertThat(tail.turnCount()).isEqualTo(40);
        assertThat(tail.earlierTurns()).isEqualTo(40 - read);
    }

    @ParameterizedTest(name = "tail budget of the last three turns' bytes {0}")
    @ValueSource(ints = {-1, 0, 1})
    void theTailReadStopsAtItsByteBudget(int offset) {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 10);
        long lastThree = bytes(entry(8, "message 8")) + bytes(entry(9, "message 9")) + bytes(entry(10, "message 10"));

        HistoryTail tail = store.loadTail(conversation, new TailBudget(1000, lastThree + offset));

        assertThat(tail.entries()).extracting(HistoryEntry::turn)
                .containsExactlyElementsOf(offset < 0 ? List.of(9, 10) : List.of(8, 9, 10));
        // The same cut as a store that keeps everything makes, so both read the same turns.
        assertThat(tail).isEqualTo(HistoryTail.of(store.load(conversation),
                new TailBudget(1000, lastThree + offset), RedisHistoryStoreTest::bytes));
    }

    @Test
    void aNewConversationHasAnEmptyTail() {
        assertThat(store(HistoryLimits.DEFAULTS).loadTail(newConversation(), TailBudget.forContext(2048)))
                .isEqualTo(HistoryTail.EMPTY);
    }

    @Test
    void aHistoryStoredBeforeTheBoundIsCountedOnceThenBounded() {
        String conversation = newConversation();
        // What the previous version wrote: a list and a hash, no meta.
        for (int turn = 1; turn <= 6; turn++) {
            HistoryEntry entry = turn == 1 ? new HistoryEntry(1, "r1", "Old system.", List.of(ChatMessage.user("m")),
                    "a", Instant.EPOCH) : entry(turn, "message " + turn);
            redis.rpush(RedisHistoryStore.turnsKey(conversation), WireJson.toString(entry));
            redis.hset(RedisHistoryStore.repliesKey(conversation), entry.requestId(),
                    WireJson.toString(reply(entry.requestId(), conversation, turn, entry.answer())));
        }
        RedisHistoryStore store = store(new HistoryLimits(4, 1 << 20, 3));

        HistoryTail before = store.loadTail(conversation, TailBudget.unbounded());
        AppendOutcome.Appended seventh = appendTurns(store, conversation, 7, 7);

        assertThat(before.turnCount()).isEqualTo(6);
        assertThat(before.system()).isEqualTo("Old system.");
        assertThat(seventh.turn()).isEqualTo(7);
        assertThat(storedTurns(store, conversation)).as("7 turns over a bound of 4: 90% stays").containsExactly(5, 6, 7);
        assertThat(redis.hlen(RedisHistoryStore.repliesKey(conversation))).isEqualTo(3);
        assertThat(store.storedReply(conversation, "r7")).isPresent();
        assertThat(store.loadTail(conversation, TailBudget.unbounded()).system()).isEqualTo("Old system.");
    }

    @Test
    void aTurnAppendedByAnOlderWorkerIsCountedAgain() {
        RedisHistoryStore store = store(new HistoryLimits(3, 1 << 20, 10));
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 2);
        // An older worker (a rolling upgrade) appends turn 3 its way: a list push and a hash field, no counting.
        HistoryEntry third = new HistoryEntry(3, "r3", "New system.", List.of(ChatMessage.user("m")), "a",
                Instant.EPOCH);
        redis.rpush(RedisHistoryStore.turnsKey(conversation), WireJson.toString(third));
        redis.hset(RedisHistoryStore.repliesKey(conversation), "r3", WireJson.toString(reply("r3", conversation, 3, "a")));

        HistoryTail tail = store.loadTail(conversation, TailBudget.unbounded());
        appendTurns(store, conversation, 4, 5);

        assertThat(tail.turnCount()).isEqualTo(3);
        assertThat(tail.system()).isEqualTo("New system.");
        assertThat(storedTurns(store, conversation)).containsExactly(3, 4, 5);
        assertThat(metaBytes(conversation, "turn_bytes")).isEqualTo(
                bytes(third) + bytes(entry(4, "message 4")) + bytes(entry(5, "message 5")));
    }

    @Test
    void aCancellationMarkGoesOnceTheRequestIsAnswered() {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        store.markCancelled(conversation, "r1");
        store.markCancelled(conversation, "c1");
        store.markCancelled(conversation, "never-answered");

        appendTurns(store, conversation, 1, 1);
        store.recordReply(conversation, "c1", reply("c1", conversation, 1, ""));

        assertThat(store.isCancelled(conversation, "r1")).isFalse();
        assertThat(store.isCancelled(conversation, "c1")).isFalse();
        assertThat(store.isCancelled(conversation, "never-answered")).isTrue();
        assertThat(redis.smembers(RedisHistoryStore.cancelledKey(conversation))).containsExactly("never-answered");
    }

    @Test
    void everyWriteRefreshesTheTtlOfEveryKey() {
        String conversation = newConversation();
        RedisHistoryStore store = new RedisHistoryStore(redis, Duration.ofSeconds(500), HistoryLimits.DEFAULTS);
        appendTurns(store, conversation, 1, 1);
        store.markCancelled(conversation, "queued-one");
        for (String key : RedisHistoryStore.keys(conversation)) {
            redis.expire(key, 10);
        }

        store.recordReply(conversation, "cancelled-one", reply("cancelled-one", conversation, 1, ""));

        for (String key : RedisHistoryStore.keys(conversation)) {
            assertThat(redis.ttl(key)).as(key).isGreaterThan(400);
        }
    }

    /** M1: the first append records the owning tenant; another tenant can neither append nor get a stored reply. */
    @Test
    void aConversationBelongsToTheTenantOfItsFirstTurnAndRefusesEveryOther() {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        HistoryEntry first = entry(1, "hello");
        assertThat(store.owner(conversation)).isEmpty();

        assertThat(store.append(conversation, "acme", first, reply("r1", conversation, 1, "hi")))
                .isInstanceOf(AppendOutcome.Appended.class);

        assertThat(store.owner(conversation)).contains(new ConversationOwner("acme"));
        assertThat(store.append(conversation, "acme-h", entry(2, "mine now"), reply("r2", conversation, 2, "x")))
                .isEqualTo(new AppendOutcome.TenantMismatch(new ConversationOwner("acme")));
        assertThat(store.append(conversation, "acme-h", first, reply("r1", conversation, 1, "x")))
                .as("a redelivered request id of the owner is not replayed to another tenant")
                .isInstanceOf(AppendOutcome.TenantMismatch.class);
        assertThat(store.append(conversation, null, entry(2, "no tenant"), reply("r2", conversation, 2, "x")))
                .isInstanceOf(AppendOutcome.TenantMismatch.class);
        assertThat(storedTurns(store, conversation)).containsExactly(1);
        assertThat(store.storedReply(conversation, "r2")).isEmpty();
        assertThat(store.append(conversation, "acme", entry(2, "go on"), reply("r2", conversation, 2, "ok")))
                .isInstanceOf(AppendOutcome.Appended.class);
    }

    @Test
    void aConversationStartedWithoutATenantAdmitsOnlyPromptsWithoutOne() {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 1);

        assertThat(store.owner(conversation)).contains(new ConversationOwner(null));
        assertThat(store.append(conversation, "acme", entry(2, "claim"), reply("r2", conversation, 2, "x")))
                .isEqualTo(new AppendOutcome.TenantMismatch(new ConversationOwner(null)));
        appendTurns(store, conversation, 2, 2);
    }

    @Test
    void aHistoryStoredBeforeOwnersWereRecordedIsClaimedByItsNextAppend() {
        RedisHistoryStore store = store(HistoryLimits.DEFAULTS);
        String conversation = newConversation();
        appendTurns(store, conversation, 1, 2);
        redis.hdel(RedisHistoryStore.metaKey(conversation), "tenant"); // as an earlier version left it

        assertThat(store.owner(conversation)).isEmpty();
        assertThat(store.append(conversation, "acme", entry(3, "m"), reply("r3", conversation, 3, "a")))
                .isInstanceOf(AppendOutcome.Appended.class);
        assertThat(store.owner(conversation)).contains(new ConversationOwner("acme"));
    }

    private long metaBytes(String conversation, String field) {
        return Long.parseLong(redis.hget(RedisHistoryStore.metaKey(conversation), field));
    }
}
