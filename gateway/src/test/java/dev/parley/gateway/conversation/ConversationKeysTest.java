package dev.parley.gateway.conversation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ConversationKeysTest {

    private static JsonNode body(String json) {
        return Json.mapper().readTree(json);
    }

    @Test
    void parleysHeaderComesFirstThenPromptCacheKeyThenTheSessionHeaderThenMetadata() {
        JsonNode all = body("{\"prompt_cache_key\": \"pck\", \"metadata\": {\"session_id\": \"meta\"}}");
        assertThat(ConversationKeys.of("mine", "session", all)).isEqualTo("mine");
        assertThat(ConversationKeys.of(null, "session", all)).isEqualTo("pck");
        assertThat(ConversationKeys.of(null, "session", body("{\"metadata\": {\"session_id\": \"meta\"}}")))
                .isEqualTo("session");
        assertThat(ConversationKeys.of(null, null, body("{\"metadata\": {\"session_id\": \"meta\"}}")))
                .isEqualTo("meta");
        assertThat(ConversationKeys.of(null, " ", body("{\"prompt_cache_key\": \"\"}"))).isNull();
        assertThat(ConversationKeys.of(null, null, body("{\"prompt_cache_key\": 5}"))).isNull();
    }

    @Test
    void aKeyThatIsNoNameIsHashedIntoOneAndAMalformedParleyHeaderIsRefused() {
        String hashed = ConversationKeys.of(null, "user@example.com/{1}", body("{}"));
        assertThat(hashed).matches("k-[0-9a-f]{32}").matches(ConversationResolver.HEADER_PATTERN);
        assertThat(ConversationKeys.of(null, "user@example.com/{1}", body("{}"))).isEqualTo(hashed);
        assertThat(ConversationKeys.of(null, "user@example.com/{2}", body("{}"))).isNotEqualTo(hashed);
        assertThatThrownBy(() -> ConversationKeys.of("not a name", null, body("{}")))
                .isInstanceOf(OpenAiException.class).hasMessageContaining(ConversationResolver.HEADER);
        assertThatThrownBy(() -> ConversationKeys.of(null, "x".repeat(ConversationKeys.MAX_KEY_CHARS + 1), body("{}")))
                .isInstanceOf(OpenAiException.class).hasMessageContaining("at most");
    }
}
