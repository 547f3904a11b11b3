package dev.parley.worker.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ToolCall;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Each family's call syntax, the generic form every family falls back to, and text that only looks like a call. */
class ToolCallParserTest {

    private final AtomicInteger ids = new AtomicInteger();

    private Optional<ParsedAnswer> parse(ToolSyntax syntax, String text) {
        return new ToolCallParser(syntax, Set.of("get_weather", "get_time"), () -> "id" + ids.incrementAndGet())
                .parse(text);
    }

    @Test
    void hermesCallsAreTakenOutOfTheText() {
        ParsedAnswer answer = parse(ToolSyntax.HERMES, "Let me look.\n<tool_call>\n{\"name\": \"get_weather\", "
                + "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>{\"name\": \"get_time\", "
                + "\"arguments\": {}}</tool_call>").orElseThrow();

        assertThat(answer.content()).isEqualTo("Let me look.");
        assertThat(answer.calls()).containsExactly(ToolCall.of("id1", "get_weather", "{\"city\":\"Paris\"}"),
                ToolCall.of("id2", "get_time", "{}"));
    }

    @Test
    void llama3WritesParametersAndMaySeparateCallsWithSemicolons() {
        assertThat(parse(ToolSyntax.LLAMA3, "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": "
                + "{\"city\": \"Oslo\"}}").orElseThrow().calls())
                .containsExactly(ToolCall.of("id1", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(parse(ToolSyntax.LLAMA3, "{\"name\": \"get_time\", \"parameters\": {}}; {\"name\": "
                + "\"get_weather\", \"parameters\": {\"city\": \"Rome\"}}").orElseThrow().calls())
                .extracting(ToolCall::name).containsExactly("get_time", "get_weather");
    }

    @Test
    void mistralCallsFollowTheirMarkerAsAnArray() {
        ParsedAnswer answer = parse(ToolSyntax.MISTRAL, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Lyon\"}}]").orElseThrow();

        assertThat(answer.content()).isEmpty();
        assertThat(answer.calls()).containsExactly(ToolCall.of("id1", "get_weather", "{\"city\":\"Lyon\"}"));
    }

    @Test
    void theGenericFormIsReadForEveryFamilyWithArgumentsAsAnObjectOrAString() {
        for (ToolSyntax syntax : ToolSyntax.values()) {
            assertThat(parse(syntax, " {\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}} ")).as("%s", syntax)
                    .get().extracting(a -> a.calls().get(0).arguments()).isEqualTo("{\"zone\":\"UTC\"}");
        }
        assertThat(parse(ToolSyntax.GENERIC, "{\"tool_calls\": [{\"name\": \"get_time\", \"arguments\": "
                + "\"{\\\"zone\\\": \\\"CET\\\"}\"}]}").orElseThrow().calls().get(0).arguments())
                .isEqualTo("{\"zone\":\"CET\"}");
    }

    @Test
    void textThatIsNotACallOfAnOfferedToolIsText() {
        assertThat(parse(ToolSyntax.GENERIC, "The weather is fine.")).isEmpty();
        assertThat(parse(ToolSyntax.GENERIC, "{\"name\": \"rm_rf\", \"arguments\": {}}")).isEmpty();
        assertThat(parse(ToolSyntax.GENERIC, "{\"name\": \"get_time\", \"arguments\": 3}")).isEmpty();
        assertThat(parse(ToolSyntax.GENERIC, "{\"name\": \"get_time\", \"arguments\": {")).isEmpty();
        assertThat(parse(ToolSyntax.HERMES, "<tool_call>{\"name\": \"nope\", \"arguments\": {}}</tool_call>")).isEmpty();
        assertThat(parse(ToolSyntax.MISTRAL, "[TOOL_CALLS] not json")).isEmpty();
    }
}
