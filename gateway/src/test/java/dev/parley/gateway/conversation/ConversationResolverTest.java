package dev.parley.gateway.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.openai.ChatRequest;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.ToolCall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The mapping rules on a hand-written history store; the real Redis is in ChatCompletionsTest. */
class ConversationResolverTest {

    private final Map<String, List<StoredTurn>> histories = new HashMap<>();
    private final ConversationResolver resolver = new ConversationResolver(
            id -> histories.getOrDefault(id, List.of()), null, new Random(1));
    private final Tenant alpha = new Tenant("alpha");

    private static ChatRequest request(String system, ChatMessage... messages) {
        return new ChatRequest("m", system, List.of(messages), GenerationParams.DEFAULTS, false, false, null, Map.of());
    }

    /** What a worker would store for the resolved turn. */
    private void answer(ResolvedTurn turn, String answer) {
        List<StoredTurn> turns = new ArrayList<>(histories.getOrDefault(turn.conversationId(), List.of()));
        turns.add(new StoredTurn(turns.size() + 1, turn.system(), turn.messages(), answer));
        histories.put(turn.conversationId(), turns);
    }

    @Test
    void aNewChatSeedsThenLaterTurnsSendOnlyTheTail() {
        ResolvedTurn first = resolver.resolve(alpha, request("sys", ChatMessage.user("u1")), null);
        assertThat(first.kind()).isEqualTo(ResolvedTurn.Kind.NEW);
        assertThat(first.conversationId()).startsWith("oa.alpha.d.");
        answer(first, "a1");

        ResolvedTurn second = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"), ChatMessage.assistant("a1"),
                ChatMessage.user("u2")), null);
        assertThat(second.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        assertThat(second.conversationId()).isEqualTo(first.conversationId());
        assertThat(second.messages()).containsExactly(ChatMessage.user("u2"));
        assertThat(second.system()).as("the stored system prompt stays").isNull();
    }

    @Test
    void aToolRoundResentWithItsCallsAndResultsContinuesTheConversation() {
        ToolCall call = ToolCall.of("call_1", "get_weather", "{\"city\": \"Paris\"}");
        ResolvedTurn first = resolver.resolve(alpha, request("sys", ChatMessage.user("u1")), null);
        List<StoredTurn> turns = new ArrayList<>();
        turns.add(new StoredTurn(1, "sys", first.messages(), "", List.of(call)));
        histories.put(first.conversationId(), turns);

        ResolvedTurn result = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"),
                ChatMessage.assistant(null, List.of(call)), ChatMessage.tool("call_1", "sunny")), null);
        assertThat(result.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        assertThat(result.messages()).containsExactly(ChatMessage.tool("call_1", "sunny"));
        turns.add(new StoredTurn(2, null, result.messages(), "It is sunny."));

        ResolvedTurn next = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"),
                ChatMessage.assistant(null, List.of(call)), ChatMessage.tool("call_1", "sunny"),
                ChatMessage.assistant("It is sunny."), ChatMessage.user("u2")), null);
        assertThat(next.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        assertThat(next.messages()).containsExactly(ChatMessage.user("u2"));
    }

    @Test
    void anEditedAnswerOrAChangedSystemPromptForks() {
        ResolvedTurn first = resolver.resolve(alpha, request("sys", ChatMessage.user("u1")), null);
        answer(first, "a1");

        ResolvedTurn edited = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"),
                ChatMessage.assistant("a1, edited"), ChatMessage.user("u2")), null);
        assertThat(edited.kind()).isEqualTo(ResolvedTurn.Kind.FORKED);
        assertThat(edited.conversationId()).startsWith(first.conversationId() + "~");
        assertThat(edited.messages()).hasSize(3);
        assertThat(edited.system()).isEqualTo("sys");

        ResolvedTurn otherSystem = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"),
                ChatMessage.assistant("a1"), ChatMessage.user("u2")), null);
        assertThat(otherSystem.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        histories.put(first.conversationId(), List.of(new StoredTurn(1, "other", List.of(ChatMessage.user("u1")), "a1")));
        assertThat(resolver.resolve(alpha, request("sys", ChatMessage.user("u1"), ChatMessage.assistant("a1"),
                ChatMessage.user("u2")), null).kind()).isEqualTo(ResolvedTurn.Kind.FORKED);
    }

    @Test
    void tenantsAndHeadersNameDifferentConversations() {
        ChatRequest same = request("sys", ChatMessage.user("u1"));
        String a = resolver.resolve(alpha, same, null).conversationId();
        String b = resolver.resolve(new Tenant("beta"), same, null).conversationId();
        assertThat(a).isNotEqualTo(b);
        assertThat(resolver.resolve(alpha, same, "chat-1").conversationId()).isEqualTo("oa.alpha.h.chat-1");
        assertThat(resolver.resolve(new Tenant("beta"), same, "chat-1").conversationId()).isEqualTo("oa.beta.h.chat-1");
    }

    @Test
    void aTenantWhoseNameExtendsAnothersCannotBeReachedThroughAHeader() {
        // Before ids had a separator outside the tenant alphabet, tenant acme-h's derived conversation
        // oa-acme-h-<24 hex> was also tenant acme's header conversation <24 hex>.
        ChatRequest chat = request("sys", ChatMessage.user("u1"));
        String victims = resolver.resolve(new Tenant("acme-h"), chat, null).conversationId();
        String digest = victims.substring(victims.length() - 24);
        String attackers = resolver.resolve(new Tenant("acme"), chat, digest).conversationId();
        assertThat(attackers).isNotEqualTo(victims);
        assertThat(resolver.resolve(new Tenant("acme"), chat, "h-" + digest).conversationId()).isNotEqualTo(victims);
        assertThat(ConversationIds.tenantOf(victims)).isEqualTo("acme-h");
        assertThat(ConversationIds.tenantOf(attackers)).isEqualTo("acme");
        assertThat(ConversationIds.tenantOf(ConversationIds.batchLine("acme", "batch_1", 3))).isEqualTo("acme");
    }

    @Test
    void aTrimmedHistoryIsComparedWithTheStretchBeforeTheTail() {
        ResolvedTurn first = resolver.resolve(alpha, request("sys", ChatMessage.user("u1")), null);
        // The worker kept only turns 3 and 4 of four; the system prompt lives on in its meta hash.
        histories.put(first.conversationId(), List.of(
                new StoredTurn(3, null, List.of(ChatMessage.user("u3")), "a3"),
                new StoredTurn(4, null, List.of(ChatMessage.user("u4")), "a4")));
        ConversationResolver withSystem = new ConversationResolver(new HistoryReader() {
            @Override
            public List<StoredTurn> load(String id) {
                return histories.getOrDefault(id, List.of());
            }

            @Override
            public String system(String id) {
                return "sys";
            }
        }, null, new Random(3));

        ResolvedTurn fifth = withSystem.resolve(alpha, request("sys", ChatMessage.user("u1"), ChatMessage.assistant("a1"),
                ChatMessage.user("u2"), ChatMessage.assistant("a2"), ChatMessage.user("u3"), ChatMessage.assistant("a3"),
                ChatMessage.user("u4"), ChatMessage.assistant("a4"), ChatMessage.user("u5")), null);

        assertThat(fifth.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        assertThat(fifth.conversationId()).isEqualTo(first.conversationId());
        assertThat(fifth.messages()).containsExactly(ChatMessage.user("u5"));
        ResolvedTurn edited = withSystem.resolve(alpha, request("sys", ChatMessage.user("u1"), ChatMessage.assistant("a1"),
                ChatMessage.user("u3"), ChatMessage.assistant("a3, edited"), ChatMessage.user("u5")), null);
        assertThat(edited.kind()).isEqualTo(ResolvedTurn.Kind.FORKED);
    }

    @Test
    void aSeedLongerThanAPromptTakesKeepsItsLastMessagesFromAUserMessageOn() {
        List<ChatMessage> long100 = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long100.add(ChatMessage.user("u" + i));
            long100.add(ChatMessage.assistant("a" + i));
        }
        long100.add(ChatMessage.user("last"));

        ResolvedTurn seeded = resolver.resolve(alpha, request("sys", long100.toArray(ChatMessage[]::new)), null);

        assertThat(seeded.messages()).hasSizeLessThanOrEqualTo(ConversationResolver.MAX_SEED).hasSizeGreaterThan(60);
        assertThat(seeded.messages().get(0).role()).isEqualTo(dev.parley.schemas.Role.USER);
        assertThat(seeded.messages()).endsWith(ChatMessage.user("last"));
        assertThat(seeded.system()).isEqualTo("sys");
    }

    @Test
    void withoutRedisEveryRequestStartsAFreshConversation() {
        ConversationResolver stateless = new ConversationResolver(null, null, new Random(2));
        ChatRequest request = request(null, ChatMessage.user("u1"), ChatMessage.assistant("a1"), ChatMessage.user("u2"));
        ResolvedTurn one = stateless.resolve(alpha, request, null);
        ResolvedTurn two = stateless.resolve(alpha, request, null);
        assertThat(one.conversationId()).isNotEqualTo(two.conversationId());
        assertThat(one.messages()).hasSize(3);
    }

    @Test
    void digestsTellHistoriesApart() {
        String one = ConversationResolver.digest(alpha, "s", List.of(ChatMessage.user("ab"), ChatMessage.user("c")));
        String two = ConversationResolver.digest(alpha, "s", List.of(ChatMessage.user("a"), ChatMessage.user("bc")));
        String three = ConversationResolver.digest(alpha, null, List.of(ChatMessage.user("ab"), ChatMessage.user("c")));
        assertThat(one).isNotEqualTo(two).isNotEqualTo(three);
    }
}
