package dev.parley.cli;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.codec.WireJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The tools of {@code parley chat}: read from a file, the model's calls shown, a typed result sent back. */
final class ChatTools {

    private ChatTools() {
    }

    /**
     * The tools of an OpenAI-shaped JSON array ({@code {"type": "function", "function": {"name", "description",
     * "parameters"}}}); the worker checks names and schemas as for any prompt.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    static List<Tool> read(Path file) throws IOException {
        JsonNode json = WireJson.mapper().readTree(Files.readString(file));
        if (json == null || !json.isArray() || json.isEmpty()) {
            throw new IllegalArgumentException("--tools " + file + ": expected a JSON array of tools");
        }
        List<Tool> tools = new ArrayList<>();
        for (JsonNode tool : json) {
            JsonNode function = tool.path("function");
            if (!function.path("name").isString()) {
                throw new IllegalArgumentException("--tools " + file + ": tool " + tools.size()
                        + " has no function.name");
            }
            JsonNode parameters = function.get("parameters");
            tools.add(Tool.function(function.get("name").asString(), function.path("description").asString(null),
                    parameters == null || parameters.isNull() ? null : parameters));
        }
        return tools;
    }

    /** {@code --tool-choice}: auto, required, none, or a tool's name. */
    static ToolChoice choice(String value) {
        return switch (value) {
            case "auto" -> ToolChoice.AUTO;
            case "required" -> ToolChoice.REQUIRED;
            case "none" -> ToolChoice.NONE;
            default -> ToolChoice.function(value);
        };
    }

    /** Prints the model's calls, each with its id, and how to answer them. */
    static void show(List<ToolCall> calls, PrintStream out) {
        out.println();
        for (ToolCall call : calls) {
            out.println("  tool call " + call.id() + ": " + call.name() + "(" + call.arguments() + ")");
        }
        out.print(calls.size() == 1 ? "  (answer it with /tool RESULT)" : "  (answer each with /tool CALL_ID RESULT)");
    }

    /**
     * The tool message of {@code /tool [CALL_ID] RESULT}: the result of the named call, or of the only one the model
     * made; {@code null}, with a word why, when it answers no call.
     */
    static ChatMessage result(String argument, List<ToolCall> calls, PrintStream out) {
        if (calls.isEmpty()) {
            out.println("  no tool call to answer: the last answer called none");
            return null;
        }
        String[] words = argument.split("\\s+", 2);
        for (ToolCall call : calls) {
            if (call.id().equals(words[0])) {
                return words.length < 2 ? missingResult(out) : ChatMessage.tool(call.id(), words[1]);
            }
        }
        if (calls.size() > 1) {
            out.println("  the model made " + calls.size() + " calls: /tool CALL_ID RESULT names the one answered");
            return null;
        }
        return argument.isEmpty() ? missingResult(out) : ChatMessage.tool(calls.get(0).id(), argument);
    }

    private static ChatMessage missingResult(PrintStream out) {
        out.println("  /tool needs the result to send");
        return null;
    }
}
