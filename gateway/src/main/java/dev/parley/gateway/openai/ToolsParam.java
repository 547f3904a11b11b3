package dev.parley.gateway.openai;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads OpenAI's tool-calling parameters ({@code tools}, {@code tool_choice}, {@code parallel_tool_calls}) and the
 * {@code tool_calls} of assistant messages, held to the wire contract's bounds ({@code prompt.v1.json}): a request
 * the workers would dead-letter is a 400 here, naming the parameter, before anything reaches Kafka.
 */
final class ToolsParam {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Pattern CALL_ID = Pattern.compile("\\S{1,128}");
    private static final Set<String> TOOL_FIELDS = Set.of("type", "function");
    private static final Set<String> FUNCTION_FIELDS = Set.of("name", "description", "parameters", "strict");
    private static final int MAX_DESCRIPTION = 10_000;
    private static final int MAX_ARGUMENTS = 100_000;

    private ToolsParam() {
    }

    /** The request's tool parameters; {@link ChatRequest.Tools#NONE} when it has none. */
    static ChatRequest.Tools parse(JsonNode body) {
        List<Tool> tools = tools(body.get("tools"));
        Set<String> names = new HashSet<>();
        tools.forEach(tool -> names.add(tool.name()));
        ToolChoice choice = choice(body.get("tool_choice"), names);
        JsonNode parallel = body.get("parallel_tool_calls");
        if (parallel != null && !parallel.isNull() && !parallel.isBoolean()) {
            throw OpenAiException.invalidParam("parallel_tool_calls", "parallel_tool_calls must be a boolean, got "
                    + parallel);
        }
        Boolean parallelCalls = parallel == null || parallel.isNull() ? null : parallel.booleanValue();
        return tools.isEmpty() && choice == null && parallelCalls == null ? ChatRequest.Tools.NONE
                : new ChatRequest.Tools(tools, choice, parallelCalls);
    }

    private static List<Tool> tools(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw OpenAiException.invalidParam("tools", "tools must be an array of function tools");
        }
        if (node.size() > Prompt.MAX_TOOLS) {
            throw OpenAiException.invalidParam("tools", "tools takes at most " + Prompt.MAX_TOOLS + " tools, got "
                    + node.size());
        }
        List<Tool> tools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            Tool tool = tool(node.get(i), "tools[" + i + "]");
            if (!names.add(tool.name())) {
                throw OpenAiException.invalidParam("tools[" + i + "].function.name", "tool name '" + tool.name()
                        + "' is given twice; names must be unique");
            }
            tools.add(tool);
        }
        return tools;
    }

    private static Tool tool(JsonNode node, String where) {
        if (!node.isObject() || !Tool.FUNCTION.equals(node.path("type").asString(""))) {
            throw OpenAiException.invalidParam(where + ".type", where + " must be {\"type\": \"function\", "
                    + "\"function\": {...}}");
        }
        unknownFields(node, TOOL_FIELDS, where);
        JsonNode function = node.get("function");
        String at = where + ".function";
        if (function == null || !function.isObject()) {
            throw OpenAiException.invalidParam(at, at + " must be an object");
        }
        unknownFields(function, FUNCTION_FIELDS, at);
        String name = name(function.get("name"), at + ".name");
        String description = optionalText(function.get("description"), at + ".description", MAX_DESCRIPTION);
        JsonNode parameters = function.get("parameters");
        if (parameters != null && !parameters.isNull()) {
            if (!parameters.isObject()) {
                throw OpenAiException.invalidParam(at + ".parameters", at + ".parameters must be a JSON Schema object");
            }
            try {
                JsonSchemaGrammar.forSchema(parameters, at + ".parameters");
            } catch (UnsupportedSchemaException e) {
                throw OpenAiException.unsupportedParam(e.path(), e.getMessage());
            }
        } else {
            parameters = null;
        }
        JsonNode strict = function.get("strict");
        if (strict != null && !strict.isNull() && !strict.isBoolean()) {
            throw OpenAiException.invalidParam(at + ".strict", at + ".strict must be a boolean");
        }
        return new Tool(Tool.FUNCTION, new Tool.Function(name, description, parameters,
                strict == null || strict.isNull() ? null : strict.booleanValue()));
    }

    private static ToolChoice choice(JsonNode node, Set<String> names) {
        if (node == null || node.isNull()) {
            return null;
        }
        ToolChoice choice;
        try {
            choice = ToolChoice.fromWire(node);
        } catch (IllegalArgumentException e) {
            throw OpenAiException.invalidParam("tool_choice", e.getMessage());
        }
        if (choice.forcesCall() && names.isEmpty()) {
            throw OpenAiException.invalidParam("tool_choice", "tool_choice '" + node
                    + "' needs tools, and the request has none");
        }
        if (choice.mode() == ToolChoice.Mode.FUNCTION && !names.contains(choice.function())) {
            throw OpenAiException.invalidParam("tool_choice", "tool_choice names function '" + choice.function()
                    + "', which is not one of the request's tools");
        }
        return choice;
    }

    /** The {@code tool_calls} of an assistant message ({@code null}: none). */
    static List<ToolCall> calls(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw OpenAiException.invalidParam(where, where + " must be an array");
        }
        if (node.size() > Prompt.MAX_TOOLS) {
            throw OpenAiException.invalidParam(where, where + " takes at most " + Prompt.MAX_TOOLS + " calls, got "
                    + node.size());
        }
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode call = node.get(i);
            String at = where + "[" + i + "]";
            if (!call.isObject() || !Tool.FUNCTION.equals(call.path("type").asString(Tool.FUNCTION))) {
                throw OpenAiException.invalidParam(at, at + " must be {\"id\", \"type\": \"function\", "
                        + "\"function\": {\"name\", \"arguments\"}}");
            }
            String id = callId(call.get("id"), at + ".id");
            String name = name(call.path("function").get("name"), at + ".function.name");
            JsonNode arguments = call.path("function").get("arguments");
            if (arguments == null || !arguments.isString() || arguments.stringValue().length() > MAX_ARGUMENTS) {
                throw OpenAiException.invalidParam(at + ".function.arguments", at + ".function.arguments must be "
                        + "a JSON object as a string of at most " + MAX_ARGUMENTS + " characters");
            }
            calls.add(ToolCall.of(id, name, arguments.stringValue()));
        }
        return calls.isEmpty() ? null : calls;
    }

    /** A tool message's {@code tool_call_id}. */
    static String callId(JsonNode node, String where) {
        if (node == null || !node.isString() || !CALL_ID.matcher(node.stringValue()).matches()) {
            throw OpenAiException.invalidParam(where, where + " must be 1-128 characters without spaces");
        }
        return node.stringValue();
    }

    private static String name(JsonNode node, String where) {
        String name = node == null ? "" : node.asString("");
        if (node == null || !node.isString() || !NAME.matcher(name).matches()) {
            throw OpenAiException.invalidParam(where, where + " must be 1-64 of a-z, A-Z, 0-9, _ and -, got "
                    + (node == null ? "nothing" : node.toString()));
        }
        return name;
    }

    private static String optionalText(JsonNode node, String where, int max) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString() || node.stringValue().length() > max) {
            throw OpenAiException.invalidParam(where, where + " must be a string of at most " + max + " characters");
        }
        return node.stringValue();
    }

    private static void unknownFields(JsonNode node, Set<String> known, String where) {
        for (String field : node.propertyNames()) {
            if (!known.contains(field)) {
                throw OpenAiException.invalidParam(where + "." + field, "Unrecognized argument in " + where + ": "
                        + field);
            }
        }
    }
}
