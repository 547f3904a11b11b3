package dev.parley.schemas.validation;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks on a schema-valid prompt's tools that a schema cannot say: names unique, every parameters schema in the
 * structured-output subset and within {@link dev.parley.schemas.format.GrammarLimits} (the worker holds arguments to
 * it by grammar, so one it could not convert is refused up front, as a response format is), and a
 * {@code tool_choice} that names a tool the prompt has. Each parameters schema costs time linear in its size, under
 * the grammar caps; the schema file bounds the number of tools.
 */
final class ToolDefinitions {

    private ToolDefinitions() {
    }

    /** The first problem with {@code prompt}'s tools, or {@code null}. */
    static Rejection check(Prompt prompt) {
        List<Tool> tools = prompt.toolsOrEmpty();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            Tool.Function function = tools.get(i).function();
            String where = "$.tools[" + i + "].function";
            if (!names.add(function.name())) {
                return new Rejection(RejectionCode.INVALID_VALUE, where + ".name", where + ".name: tool name '"
                        + Values.quote(function.name()) + "' is given twice; names must be unique");
            }
            Rejection schema = parameters(function, where + ".parameters");
            if (schema != null) {
                return schema;
            }
        }
        return choice(prompt.toolChoice(), names);
    }

    private static Rejection parameters(Tool.Function function, String where) {
        if (function.parameters() == null) {
            return null;
        }
        try {
            JsonSchemaGrammar.forSchema(function.parameters(), where);
            return null;
        } catch (UnsupportedSchemaException e) {
            return new Rejection(RejectionCode.UNSUPPORTED_SCHEMA, e.path(), e.getMessage());
        }
    }

    private static Rejection choice(ToolChoice choice, Set<String> names) {
        if (choice == null || !choice.forcesCall()) {
            return null;
        }
        if (names.isEmpty()) {
            return new Rejection(RejectionCode.INVALID_VALUE, "$.tool_choice",
                    "$.tool_choice: a tool call is required but the prompt has no tools");
        }
        if (choice.mode() == ToolChoice.Mode.FUNCTION && !names.contains(choice.function())) {
            return new Rejection(RejectionCode.INVALID_VALUE, "$.tool_choice.function.name",
                    "$.tool_choice.function.name: '" + Values.quote(choice.function())
                            + "' is not the name of one of the prompt's tools");
        }
        return null;
    }
}
