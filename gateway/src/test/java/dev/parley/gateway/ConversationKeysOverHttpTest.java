package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.conversation.ConversationKeys;
import dev.parley.gateway.conversation.ConversationResolver;
import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conversation of a stateless chat request named where clients name it (issue 23 item 4): OpenAI's
 * {@code prompt_cache_key}, an {@code X-Session-Id} header, LiteLLM's {@code metadata.session_id}; through the
 * gateway to a real worker, with the conversation the gateway chose read back from its response header.
 */
@ExtendWith(ParleyInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationKeysOverHttpTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private PoolFixture pool;
    private Gateway gateway;

    @BeforeAll
    void start(ParleyInfra infra, ParleyInfraExtension.TestModels models) {
        pool = new PoolFixture(infra, models);
        gateway = Gateway.start(pool.gatewayConfig().build());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    /** Sends a chat request; returns the conversation the gateway answered it in. */
    private String conversationOf(Map<String, Object> extra, String sessionHeader, List<Object> messages)
            throws Exception {
        Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("model", PoolFixture.MODEL, "max_tokens", 4,
                "messages", messages));
        body.putAll(extra);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + pool.alphaKey).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        if (sessionHeader != null) {
            request.header(ConversationKeys.SESSION_HEADER, sessionHeader);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        messages.add(Json.object("role", "assistant", "content", Json.mapper().readTree(response.body())
                .at("/choices/0/message/content").asString()));
        return response.headers().firstValue(ConversationResolver.HEADER).orElseThrow();
    }

    private static List<Object> startingWith(String question) {
        List<Object> messages = new ArrayList<>();
        messages.add(Json.object("role", "user", "content", question));
        return messages;
    }

    @Test
    void aPromptCacheKeyNamesTheConversationAndTheNextTurnContinuesIt() throws Exception {
        String key = "cache-" + System.nanoTime();
        List<Object> messages = startingWith("Name a colour.");
        String first = conversationOf(Map.of("prompt_cache_key", key), null, messages);
        messages.add(Json.object("role", "user", "content", "And another?"));
        String second = conversationOf(Map.of("prompt_cache_key", key), null, messages);

        assertThat(first).endsWith(".h." + key).contains(".alpha.");
        assertThat(second).isEqualTo(first);
    }

    @Test
    void aSessionHeaderOrMetadataSessionIdNamesItToo() throws Exception {
        String session = "{session " + System.nanoTime() + "}"; // not a conversation name: hashed into one
        List<Object> messages = startingWith("Name a fruit.");
        String byHeader = conversationOf(Map.of(), session, messages);
        messages.add(Json.object("role", "user", "content", "And a vegetable?"));
        String byMetadata = conversationOf(Map.of("metadata", Map.of("session_id", session)), null, messages);

        assertThat(byHeader).matches(".*\\.h\\.k-[0-9a-f]{32}");
        assertThat(byMetadata).isEqualTo(byHeader);
    }

    @Test
    void withoutAnyKeyTheConversationIsDerivedFromTheRequestsStart() throws Exception {
        String derived = conversationOf(Map.of(), null, startingWith("Name a tree. " + System.nanoTime()));

        assertThat(derived).contains(".alpha.d.");
    }
}
