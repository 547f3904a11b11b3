package dev.parley.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.PromptDecoder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatRequestParserTest {

    private final ChatRequestParser parser = new ChatRequestParser();

    private ChatRequest parse(String json) {
        return parser.parse(Json.readObject(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void readsOpenAisParametersIntoParleysTerms() {
        ChatRequest request = parse("""
                {"model": "m", "messages": [{"role": "system", "content": "be brief"},
                  {"role": "developer", "content": "really"},
                  {"role": "user", "content": [{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}]},
                  {"role": "assistant", "content": "hello"}, {"role": "user", "content": "again"}],
                 "max_completion_tokens": 20, "max_tokens": 99, "temperature": 0.5, "top_p": 0.9, "seed": 7,
                 "stop": "END", "stream": true, "stream_options": {"include_usage": true}, "user": "u1",
                 "metadata": {"k": "v"}, "n": 1, "logprobs": false, "presence_penalty": 0}
                """);

        assertThat(request.system()).isEqualTo("be brief\n\nreally");
        assertThat(request.messages()).containsExactly(ChatMessage.user("hi there"), ChatMessage.assistant("hello"),
                ChatMessage.user("again"));
        assertThat(request.params().maxTokens()).as("max_completion_tokens wins").isEqualTo(20);
        assertThat(request.params().temperature()).isEqualTo(0.5);
        assertThat(request.params().topP()).isEqualTo(0.9);
        assertThat(request.params().seed()).isEqualTo(7L);
        assertThat(request.params().stop()).containsExactly("END");
        assertThat(request.stream()).isTrue();
        assertThat(request.includeUsage()).isTrue();
        assertThat(request.user()).isEqualTo("u1");
        assertThat(request.metadata()).containsEntry("k", "v");
    }

    @Test
    void readsTheSamplingControls() {
        ChatRequest request = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}], "top_k": 20, "min_p": 0.1,
                 "repeat_penalty": 1.3, "presence_penalty": -0.5, "frequency_penalty": 1.5,
                 "logit_bias": {"0": -100, "42": 2.5}, "logprobs": false, "top_logprobs": 0}
                """);

        assertThat(request.params().topK()).isEqualTo(20);
        assertThat(request.params().minP()).isEqualTo(0.1);
        assertThat(request.params().repeatPenalty()).isEqualTo(1.3);
        assertThat(request.params().presencePenalty()).isEqualTo(-0.5);
        assertThat(request.params().frequencyPenalty()).isEqualTo(1.5);
        assertThat(request.params().logitBias()).containsExactly(Map.entry(0, -100.0), Map.entry(42, 2.5));
    }

    @Test
    void readsLogprobsAndTheirAlternatives() {
        ChatRequest asked = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 20}
                """);
        ChatRequest bare = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}], "logprobs": true}
                """);
        ChatRequest off = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}], "logprobs": false, "top_logprobs": 0}
                """);

        assertThat(asked.params().wantsLogprobs()).isTrue();
        assertThat(asked.params().topLogprobs()).isEqualTo(20);
        assertThat(bare.params().wantsLogprobs()).isTrue();
        assertThat(bare.params().topLogprobs()).isZero();
        assertThat(off.params().wantsLogprobs()).isFalse();
        assertThat(off.params().logprobs()).isNull();
    }

    @Test
    void nAsksForSeveralAnswersWithinItsBoundsAndNotWithTools() {
        String user = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], ";
        assertThat(parse(user + "\"n\": 3}").params().n()).isEqualTo(3);
        assertThat(parse(user + "\"n\": 1}").params().n()).isNull();
        for (String n : new String[] {"0", "9", "2.5", "\"2\""}) {
            assertThatThrownBy(() -> parse(user + "\"n\": " + n + "}")).as("n=%s", n)
                    .isInstanceOfSatisfying(OpenAiException.class, e -> {
                        assertThat(e.param()).isEqualTo("n");
                        assertThat(e.getMessage()).contains("[1, 8]");
                    });
        }
        assertThatThrownBy(() -> parse(user + "\"n\": 2, \"tools\": [{\"type\": \"function\", \"function\": "
                + "{\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}]}"))
                .isInstanceOfSatisfying(OpenAiException.class, e -> {
                    assertThat(e.param()).isEqualTo("n");
                    assertThat(e.getMessage()).contains("tools");
                });
    }

    @Test
    void logitBiasIsBoundedBeforeItReachesTheWire() {
        String many = java.util.stream.IntStream.range(0, 301).mapToObj(i -> "\"" + i + "\": 1")
                .collect(java.util.stream.Collectors.joining(", ", "{", "}"));
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                + "\"logit_bias\": " + many + "}"))
                .isInstanceOfSatisfying(OpenAiException.class, e -> {
                    assertThat(e.param()).isEqualTo("logit_bias");
                    assertThat(e.getMessage()).contains("at most 300");
                });
    }

    @Test
    void acceptsAndIgnoresWhatRealClientsSendThatCannotChangeTheAnswer() {
        ChatRequest request = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}], "service_tier": "auto",
                 "safety_identifier": "user-hash", "prompt_cache_key": "k",
                 "parallel_tool_calls": false, "verbosity": "low", "stream_options": {"include_usage": true}}
                """);

        assertThat(request.stream()).isFalse();
        assertThat(request.includeUsage()).as("stream_options without stream has nothing to apply to").isFalse();
        assertThat(request.params()).isEqualTo(parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"}]}""").params());
    }

    @Test
    void mapsResponseFormatThrough() {
        var schema = "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}}, \"required\": [\"name\"]}";
        ChatRequest withSchema = parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                + "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"person\", "
                + "\"strict\": true, \"schema\": " + schema + "}}}");
        ChatRequest object = parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                + "\"response_format\": {\"type\": \"json_object\"}}");
        ChatRequest text = parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                + "\"response_format\": {\"type\": \"text\"}}");

        ResponseFormat format = withSchema.params().responseFormat();
        assertThat(format.type()).isEqualTo(ResponseFormat.Type.JSON_SCHEMA);
        assertThat(format.jsonSchema().name()).isEqualTo("person");
        assertThat(format.jsonSchema().strict()).isTrue();
        assertThat(format.jsonSchema().schema()).isEqualTo(WireJson.mapper().readTree(schema));
        assertThat(object.params().responseFormat()).isEqualTo(ResponseFormat.JSON_OBJECT);
        assertThat(text.params().responseFormat()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"n\": 9                                  | n             | invalid_value",
            "\"n\": 2, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}] | n | unsupported_parameter",
            "\"logprobs\": \"yes\"                       | logprobs      | invalid_value",
            "\"logprobs\": true, \"top_logprobs\": 21    | top_logprobs  | invalid_value",
            "\"logprobs\": true, \"top_logprobs\": -1    | top_logprobs  | invalid_value",
            "\"logprobs\": false, \"top_logprobs\": 2    | top_logprobs  | invalid_value",
            "\"functions\": [{\"name\": \"f\"}]          | functions     | unsupported_parameter",
            "\"tools\": {}                             | tools         | invalid_value",
            "\"tools\": [{\"type\": \"retrieval\"}]      | tools[0].type | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"a b\"}}] | tools[0].function.name | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"code\": 1}}] | tools[0].function.code | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}, {\"type\": \"function\", \"function\": {\"name\": \"f\"}}] | tools[1].function.name | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"pattern\": \"x\"}}}}}] | tools[0].function.parameters.properties.id.pattern | unsupported_parameter",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": []}}] | tools[0].function.parameters | invalid_value",
            "\"tool_choice\": \"required\"               | tool_choice   | invalid_value",
            "\"tool_choice\": \"sometimes\"              | tool_choice   | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}} | tool_choice | invalid_value",
            "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"parallel_tool_calls\": \"no\" | parallel_tool_calls | invalid_value",
            "\"top_logprobs\": 3                      | top_logprobs  | invalid_value",
            "\"frequency_penalty\": 2.5                | frequency_penalty | invalid_value",
            "\"presence_penalty\": -3                  | presence_penalty | invalid_value",
            "\"repeat_penalty\": 0                     | repeat_penalty | invalid_value",
            "\"min_p\": 1.5                            | min_p         | invalid_value",
            "\"logit_bias\": [1, 2]                    | logit_bias    | invalid_value",
            "\"logit_bias\": {\"paris\": 1}            | logit_bias    | invalid_value",
            "\"logit_bias\": {\"-1\": 1}               | logit_bias    | invalid_value",
            "\"logit_bias\": {\"01\": 1}               | logit_bias    | invalid_value",
            "\"logit_bias\": {\"10000000000\": 1}      | logit_bias    | invalid_value",
            "\"logit_bias\": {\"5\": 101}              | logit_bias    | invalid_value",
            "\"logit_bias\": {\"5\": \"ban\"}          | logit_bias    | invalid_value",
            "\"web_search_options\": {}               | web_search_options | unsupported_parameter",
            "\"response_format\": {\"type\": \"yaml\"}  | response_format.type | invalid_value",
            "\"response_format\": {\"type\": \"json_schema\"} | response_format.json_schema | invalid_value",
            "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"a b\", \"schema\": {}}} | response_format.json_schema.name | invalid_value",
            "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"p\", \"schema\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\", \"pattern\": \"x\"}}}}} | response_format.json_schema.schema.properties.id.pattern | unsupported_parameter",
            "\"temperature\": 2.5                      | temperature   | invalid_value",
            "\"top_p\": 0                              | top_p         | invalid_value",
            "\"max_tokens\": 0                         | max_tokens    | invalid_value",
            "\"max_tokens\": 40000                     | max_tokens    | invalid_value",
            "\"seed\": -1                              | seed          | invalid_value",
            "\"seed\": 4294967296                      | seed          | invalid_value",
            "\"seed\": 100000000000000000000           | seed          | invalid_value",
            "\"top_k\": 100000000000000000000          | top_k         | invalid_value",
            "\"top_k\": 100001                         | top_k         | invalid_value",
            "\"top_k\": 2147483648                     | top_k         | invalid_value",
            "\"max_tokens\": 100000000000000000000     | max_tokens    | invalid_value",
            "\"max_completion_tokens\": 1e400          | max_completion_tokens | invalid_value",
            "\"n\": 100000000000000000000              | n             | invalid_value",
            "\"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"] | stop          | invalid_value",
            "\"stream\": \"yes\"                       | stream        | invalid_value",
            "\"frobnicate\": 1                         | frobnicate    | invalid_value",
    })
    void refusesWhatItCannotHonourNamingTheParameter(String extra, String param, String code) {
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                + extra + "}"))
                .isInstanceOfSatisfying(OpenAiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    @Test
    void readsToolsAToolChoiceAndARoundOfCallsAndResults() {
        ChatRequest request = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "weather in Paris?"},
                  {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "21 C"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather", "description": "weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}, "strict": true}}],
                 "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                 "parallel_tool_calls": false}
                """);

        assertThat(request.messages()).containsExactly(ChatMessage.user("weather in Paris?"),
                ChatMessage.assistant(null, List.of(ToolCall.of("call_1", "get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.tool("call_1", "21 C"));
        assertThat(request.tools().definitions()).extracting(Tool::name).containsExactly("get_weather");
        assertThat(request.tools().definitions().get(0).function().strict()).isTrue();
        assertThat(request.tools().choice()).isEqualTo(ToolChoice.function("get_weather"));
        assertThat(request.tools().parallelCalls()).isFalse();
        Prompt prompt = request.tools().applyTo(Prompt.builder().requestId("r").conversationId("c")
                .messages(request.messages())).build();
        assertThat(new PromptDecoder().decode("c", WireJson.toBytes(prompt)))
                .as("what the gateway reads, a worker accepts").isInstanceOf(PromptDecoder.Accepted.class);
    }

    @Test
    void anAssistantToolCallWithEmptyContentAndToolsAbsentAreReadAsNone() {
        ChatRequest request = parse("""
                {"model": "m", "messages": [{"role": "user", "content": "x"},
                  {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                    "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1",
                    "content": "ok"}], "tools": null, "tool_choice": null}
                """);

        assertThat(request.messages().get(1).content()).isNull();
        assertThat(request.tools()).isEqualTo(ChatRequest.Tools.NONE);
    }

    @Test
    void refusesMalformedToolMessagesAndCalls() {
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].tool_call_id");
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\", "
                + "\"tool_call_id\": \"c1\"}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].tool_call_id");
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\", "
                + "\"tool_calls\": []}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].tool_calls");
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"assistant\", \"tool_calls\": "
                + "[{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": {}}}]}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].tool_calls[0].function.arguments");
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"function\", \"content\": \"x\"}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].role");
    }

    @Test
    void refusesImagesAndAMissingModel() {
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": "
                + "[{\"type\": \"image_url\", \"image_url\": {\"url\": \"x\"}}]}]}"))
                .hasFieldOrPropertyWithValue("param", "messages[0].content");
        assertThatThrownBy(() -> parse("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}"))
                .hasFieldOrPropertyWithValue("param", "model");
        assertThatThrownBy(() -> parse("{\"model\": \"m\", \"messages\": []}"))
                .hasFieldOrPropertyWithValue("param", "messages");
        assertThatThrownBy(() -> Json.readObject("not json".getBytes()))
                .isInstanceOfSatisfying(OpenAiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
