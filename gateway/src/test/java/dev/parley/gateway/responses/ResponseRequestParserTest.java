package dev.parley.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.ChatRequest;
import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolChoice;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
        assertThat(request.input()).containsExactly(new InputMessage("developer", "two"), new InputMessage("user", "ab"),
                new InputMessage("assistant", "c"), new InputMessage("user", "d"));
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
            {"model": "m", "input": [{"type": "function_call_output", "output": "x"}]} | input[0].call_id
            {"model": "m", "input": [{"type": "reasoning", "summary": []}]}           | input[0].type
            {"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]}      | input[0].id
            {"model": "m", "input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": {}}]} | input[0].arguments
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "u"}]}]} | input[0].content
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "bad name"}]} | tools[0].name
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}}}]} | tools[0].parameters.properties.a.format
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "extra": 1}]} | tools[0].extra
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "function", "name": "g"}} | tool_choice
            {"model": "m", "input": "x", "tool_choice": "required"}                   | tool_choice
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

    @Test
    void flatFunctionToolsAreTheChatRoutesTools() {
        ResponseRequest request = parse("""
                {"model": "m", "input": "weather?", "parallel_tool_calls": false,
                 "tool_choice": {"type": "function", "name": "get_weather"},
                 "tools": [{"type": "function", "name": "get_weather", "description": "The weather", "strict": true,
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                           "required": ["city"], "additionalProperties": false}},
                           {"type": "function", "name": "get_time"}]}
                """);

        ChatRequest.Tools tools = request.chat().tools();
        assertThat(tools.definitions()).extracting(Tool::name).containsExactly("get_weather", "get_time");
        Tool weather = tools.definitions().get(0);
        assertThat(weather.function().description()).isEqualTo("The weather");
        assertThat(weather.function().strict()).isTrue();
        assertThat(weather.function().parameters().path("required").get(0).asString()).isEqualTo("city");
        assertThat(tools.choice()).isEqualTo(ToolChoice.function("get_weather"));
        assertThat(tools.parallelCalls()).isFalse();
        assertThat(parse("""
                {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f"}], "tool_choice": "required"}
                """).chat().tools().choice()).isEqualTo(ToolChoice.REQUIRED);
    }

    @Test
    void functionCallsJoinTheirAssistantMessageAndOutputsAreToolMessages() {
        ResponseRequest request = parse("""
                {"model": "m", "input": [
                  {"role": "user", "content": "weather in Paris and Rome?"},
                  {"role": "assistant", "content": "Let me look."},
                  {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather",
                   "arguments": "{\\"city\\": \\"Paris\\"}", "status": "completed"},
                  {"type": "function_call", "call_id": "call_b", "name": "get_weather", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "call_a", "output": "sunny"},
                  {"type": "function_call_output", "call_id": "call_b",
                   "output": [{"type": "input_text", "text": "rain"}]}]}
                """);

        assertThat(request.chat().messages()).containsExactly(ChatMessage.user("weather in Paris and Rome?"),
                ChatMessage.assistant("Let me look.", List.of(ToolCall.of("call_a", "get_weather",
                        "{\"city\": \"Paris\"}"), ToolCall.of("call_b", "get_weather", "{}"))),
                ChatMessage.tool("call_a", "sunny"), ChatMessage.tool("call_b", "rain"));
        assertThat(request.input()).hasSize(6).element(2)
                .isEqualTo(new FunctionCallItem("fc_1", "call_a", "get_weather", "{\"city\": \"Paris\"}"));
    }

    @Test
    void anItemReferenceIsTheStoredItemItNames() {
        FunctionCallItem stored = new FunctionCallItem("fc_x_0", "call_a", "f", "{}");
        ResponseRequest request = parser.parse(Json.readObject("""
                {"model": "m", "input": [{"role": "user", "content": "go"}, {"type": "item_reference", "id": "fc_x_0"},
                  {"type": "function_call_output", "call_id": "call_a", "output": "done"}]}
                """.getBytes(StandardCharsets.UTF_8)), id -> id.equals("fc_x_0") ? stored : null);

        assertThat(request.input().get(1)).isEqualTo(stored);
        assertThat(request.chat().messages().get(1).toolCalls()).containsExactly(ToolCall.of("call_a", "f", "{}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"model": "m", "input": "x", "tools": [{"type": "web_search"}]}                             | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "file_search", "vector_store_ids": ["v"]}]} | tools[0].type
            {"model": "m", "input": "x", "tool_choice": {"type": "web_search_preview"}}                 | tool_choice.type
            {"model": "m", "input": "x", "tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": []}} | tool_choice.type
            """)
    void toolsOpenAiRunsItselfAreAnUnsupportedFeature(String json, String param) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("unsupported_feature");
            assertThat(e.param()).isEqualTo(param);
        });
    }
}
