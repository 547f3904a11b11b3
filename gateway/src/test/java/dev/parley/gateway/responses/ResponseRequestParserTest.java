package dev.parley.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ResponseFormat;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponseRequestParserTest {

    private final ResponseRequestParser parser = new ResponseRequestParser();

    private ResponseRequest parse(String json) {
        return parser.parse(Json.readObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aStringInputIsOneUserMessageAndInstructionsTheSystemPrompt() {
        ResponseRequest request = parse("""
                {"model": "m", "input": "hi", "instructions": "be brief", "max_output_tokens": 20,
                 "temperature": 0.5, "top_p": 0.9, "metadata": {"k": "v"}, "prompt_cache_key": "key-1",
                 "reasoning": {"effort": "low"}, "truncation": "auto", "previous_response_id": "resp_1"}
                """);

        assertThat(request.chat().system()).isEqualTo("be brief");
        assertThat(request.chat().messages()).containsExactly(ChatMessage.user("hi"));
        assertThat(request.chat().params().maxTokens()).isEqualTo(20);
        assertThat(request.chat().params().temperature()).isEqualTo(0.5);
        assertThat(request.chat().params().topP()).isEqualTo(0.9);
        assertThat(request.chat().metadata()).containsEntry("k", "v");
        assertThat(request.store()).as("OpenAI's default").isTrue();
        assertThat(request.promptCacheKey()).isEqualTo("key-1");
        assertThat(request.previousResponseId()).isEqualTo("resp_1");
    }

    @Test
    void messageItemsKeepTheirRolesAndLeadingSystemItemsJoinTheInstructions() {
        ResponseRequest request = parse("""
                {"model": "m", "instructions": "one", "store": false, "input": [
                  {"role": "developer", "content": "two"},
                  {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "a"},
                                                                  {"type": "input_text", "text": "b"}]},
                  {"role": "assistant", "content": [{"type": "output_text", "text": "c"}]},
                  {"role": "user", "content": "d"}]}
                """);

        assertThat(request.chat().system()).isEqualTo("one\n\ntwo");
        assertThat(request.chat().messages()).containsExactly(ChatMessage.user("ab"), ChatMessage.assistant("c"),
                ChatMessage.user("d"));
        assertThat(request.input()).extracting(InputMessage::role).containsExactly("developer", "user", "assistant",
                "user");
        assertThat(request.store()).isFalse();
    }

    @Test
    void aJsonSchemaTextFormatBecomesTheChatResponseFormat() {
        ResponseRequest request = parse("""
                {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "city",
                  "strict": true, "schema": {"type": "object", "properties": {"city": {"type": "string"}},
                  "required": ["city"], "additionalProperties": false}}}}
                """);

        ResponseFormat format = request.chat().params().responseFormat();
        assertThat(format.type()).isEqualTo(ResponseFormat.Type.JSON_SCHEMA);
        assertThat(format.jsonSchema().name()).isEqualTo("city");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"model": "m", "input": "x", "max_output_tokens": 0}                       | max_output_tokens
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "bad name", "schema": {}}}} | text.format.name
            {"model": "m", "input": [{"role": "tool", "content": "x"}]}               | input[0].role
            {"model": "m", "input": [{"type": "function_call_output", "output": "x"}]} | input[0].type
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "u"}]}]} | input[0].content
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f"}]} | tools
            {"model": "m", "input": "x", "background": true, "store": false}          | background
            {"model": "m", "input": "x", "conversation": "c"}                         | conversation
            {"model": "m", "input": "x", "frequency_penalty": 1}                      | frequency_penalty
            {"model": "m"}                                                            | input
            {"model": "m", "input": [{"role": "system", "content": "only a system prompt"}]} | input
            """)
    void aRequestParleyCannotHonourIsRefusedNamingTheParameter(String json, String param) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
        });
    }
}
