package dev.parley.worker.engine.tools;

import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Finds the tool calls in a finished answer, in the syntax of the model's family and, failing that, in the generic
 * JSON form (which a forced call is always written in). A call must name one of the prompt's tools and carry a JSON
 * object of arguments; anything else is text, so a model that only talks about JSON is not taken for a caller.
 */
public final class ToolCallParser {

    private static final Pattern HERMES = Pattern.compile("<tool_call>\\s*(.*?)\\s*(?:</tool_call>|$)", Pattern.DOTALL);
    private static final String MISTRAL = "[TOOL_CALLS]";
    private static final String PYTHON_TAG = "<|python_tag|>";

    private final ToolSyntax syntax;
    private final Set<String> names;
    private final Supplier<String> ids;

    /**
     * @param names the tools the prompt offered
     * @param ids   makes each call's id
     */
    public ToolCallParser(ToolSyntax syntax, Set<String> names, Supplier<String> ids) {
        this.syntax = syntax;
        this.names = Set.copyOf(names);
        this.ids = ids;
    }

    /** The answer's calls, or empty when it calls nothing (it is then plain text). */
    public Optional<ParsedAnswer> parse(String text) {
        Optional<ParsedAnswer> own = switch (syntax) {
            case HERMES -> hermes(text);
            case MISTRAL -> mistral(text);
            case LLAMA3, GENERIC -> Optional.empty();
        };
        return own.isPresent() ? own : bareJson(text);
    }

    private Optional<ParsedAnswer> hermes(String text) {
        Matcher matcher = HERMES.matcher(text);
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        int end = 0;
        while (matcher.find()) {
            Optional<ToolCall> call = call(json(matcher.group(1)));
            if (call.isEmpty()) {
                return Optional.empty();
            }
            calls.add(call.get());
            content.append(text, end, matcher.start());
            end = matcher.end();
        }
        content.append(text.substring(end));
        return calls.isEmpty() ? Optional.empty() : Optional.of(new ParsedAnswer(content.toString().strip(), calls));
    }

    private Optional<ParsedAnswer> mistral(String text) {
        int at = text.indexOf(MISTRAL);
        if (at < 0) {
            return Optional.empty();
        }
        JsonNode array = json(text.substring(at + MISTRAL.length()));
        return array != null && array.isArray() ? all(array, text.substring(0, at)) : Optional.empty();
    }

    /**
     * The whole answer as JSON: one call, several separated by {@code ;} (Llama 3.x), an array of calls, or an
     * object with {@code tool_calls} / {@code tool_call}.
     */
    private Optional<ParsedAnswer> bareJson(String text) {
        String body = text.strip();
        if (body.startsWith(PYTHON_TAG)) {
            body = body.substring(PYTHON_TAG.length()).strip();
        }
        if (!body.startsWith("{") && !body.startsWith("[")) {
            return Optional.empty();
        }
        JsonNode node = json(body);
        if (node == null && body.contains(";")) {
            node = json("[" + body.replace(";", ",") + "]");
        }
        if (node == null) {
            return Optional.empty();
        }
        if (node.isObject() && node.has("tool_calls")) {
            node = node.get("tool_calls");
        } else if (node.isObject() && node.has("tool_call")) {
            node = node.get("tool_call");
        }
        return node.isArray() ? all(node, "") : call(node).map(c -> new ParsedAnswer("", List.of(c)));
    }

    private Optional<ParsedAnswer> all(JsonNode array, String content) {
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode item : array) {
            Optional<ToolCall> call = call(item);
            if (call.isEmpty()) {
                return Optional.empty();
            }
            calls.add(call.get());
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(new ParsedAnswer(content.strip(), calls));
    }

    /** {@code {"name": ..., "arguments"|"parameters": {...}}}, the arguments maybe as a JSON string. */
    private Optional<ToolCall> call(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode body = node.has("function") && node.get("function").isObject() ? node.get("function") : node;
        JsonNode name = body.path("name");
        JsonNode arguments = body.has("arguments") ? body.get("arguments") : body.get("parameters");
        if (arguments != null && arguments.isString()) {
            arguments = json(arguments.stringValue());
        }
        if (!name.isString() || !names.contains(name.stringValue()) || arguments == null || !arguments.isObject()) {
            return Optional.empty();
        }
        return Optional.of(ToolCall.of(ids.get(), name.stringValue(), WireJson.toString(arguments)));
    }

    /** The first JSON value of {@code text} when nothing but blanks follows it, else {@code null}. */
    private static JsonNode json(String text) {
        try {
            return WireJson.mapper().readTree(text.strip());
        } catch (JacksonException e) {
            return null;
        }
    }
}
