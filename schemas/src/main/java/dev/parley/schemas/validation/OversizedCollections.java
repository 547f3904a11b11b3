package dev.parley.schemas.validation;

import dev.parley.schemas.codec.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Refuses a prompt whose arrays or objects hold far more members than {@code prompt.v1.json} allows, before the
 * schema validator sees it: the validator builds one error per bad member, which for an array of 200 000 wrong values
 * (well inside {@code max-prompt-bytes}) takes seconds of the poll thread. The bounds are read from the schema file,
 * so the two cannot drift apart.
 */
final class OversizedCollections {

    /**
     * Collections up to this size go to the validator even when over their bound: it names the error as usual and
     * costs little. Past it, this check answers alone.
     */
    static final int CHEAP_TO_VALIDATE = 256;

    /** A collection at {@code pointer} (JSON pointer) that may hold at most {@code max} members. */
    private record Bound(String pointer, String field, int max) {
    }

    private final List<Bound> bounds = new ArrayList<>();
    private final int messageFields;
    private final int maxToolCalls;

    OversizedCollections() {
        JsonNode schema = promptSchema();
        JsonNode params = schema.at("/$defs/params");
        bounds.add(new Bound("", "$", schema.get("properties").size()));
        bounds.add(new Bound("/messages", "$.messages", schema.at("/properties/messages/maxItems").asInt()));
        bounds.add(new Bound("/metadata", "$.metadata", schema.at("/properties/metadata/maxProperties").asInt()));
        bounds.add(new Bound("/params", "$.params", params.get("properties").size()));
        bounds.add(new Bound("/params/stop", "$.params.stop", params.at("/properties/stop/maxItems").asInt()));
        bounds.add(new Bound("/params/logit_bias", "$.params.logit_bias",
                params.at("/properties/logit_bias/maxProperties").asInt()));
        bounds.add(new Bound("/tools", "$.tools", schema.at("/properties/tools/maxItems").asInt()));
        bounds.add(new Bound("/chat_template_kwargs", "$.chat_template_kwargs",
                schema.at("/properties/chat_template_kwargs/maxProperties").asInt()));
        JsonNode message = schema.at("/$defs/message/properties");
        messageFields = message.size();
        maxToolCalls = message.at("/tool_calls/maxItems").asInt();
    }

    /** The first collection over its bound, as a violation, or {@code null}. */
    Violation check(JsonNode document) {
        for (Bound bound : bounds) {
            JsonNode node = document.at(bound.pointer());
            if (node.isContainer() && node.size() > Math.max(bound.max(), CHEAP_TO_VALIDATE)) {
                return new Violation(bound.field(), bound.field() + ": must have at most " + bound.max() + " "
                        + (node.isArray() ? "items" : "properties") + " but found " + node.size());
            }
        }
        JsonNode messages = document.path("messages");
        for (int i = 0; messages.isArray() && i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (message.isObject() && message.size() > CHEAP_TO_VALIDATE) {
                String field = "$.messages[" + i + "]";
                return new Violation(field, field + ": must have at most " + messageFields + " properties but found "
                        + message.size());
            }
            JsonNode calls = message.path("tool_calls");
            if (calls.isContainer() && calls.size() > Math.max(maxToolCalls, CHEAP_TO_VALIDATE)) {
                String field = "$.messages[" + i + "].tool_calls";
                return new Violation(field, field + ": must have at most " + maxToolCalls + " items but found "
                        + calls.size());
            }
        }
        return null;
    }

    private static JsonNode promptSchema() {
        try (InputStream in = OversizedCollections.class.getClassLoader()
                .getResourceAsStream(WireSchema.CLASSPATH_ROOT + WireSchema.PROMPT_V1)) {
            return WireJson.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
