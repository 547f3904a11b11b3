package dev.parley.gateway.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.auth.Tenant;
import dev.parley.gateway.openai.ChatRequest;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
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
        assertThat(first.conversationId()).startsWith("oa-alpha-");
        answer(first, "a1");

        ResolvedTurn second = resolver.resolve(alpha, request("sys", ChatMessage.user("u1"), ChatMessage.assistant("a1"),
                ChatMessage.user("u2")), null);
        assertThat(second.kind()).isEqualTo(ResolvedTurn.Kind.CONTINUED);
        assertThat(second.conversationId()).isEqualTo(first.conversationId());
        assertThat(second.messages()).containsExactly(ChatMessage.user("u2"));
        assertThat(second.system()).as("the stored system prompt stays").isNull();
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
        assertThat(resolver.resolve(alpha, same, "chat-1").conversationId()).isEqualTo("oa-alpha-h-chat-1");
        assertThat(resolver.resolve(new Tenant("beta"), same, "chat-1").conversationId()).isEqualTo("oa-beta-h-chat-1");
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
