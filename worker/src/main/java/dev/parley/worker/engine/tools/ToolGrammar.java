package dev.parley.worker.engine.tools;

import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The grammar of a forced call ({@code tool_choice} {@code required} or a named function): one call in the generic
 * form {@code {"name": <a tool's name>, "arguments": <that tool's parameters>}}, built by the structured-output
 * converter from a schema that is a choice between the tools, so the call always parses and its arguments match the
 * schema of the tool it names.
 */
public final class ToolGrammar {

    private ToolGrammar() {
    }

    /**
     * @throws UnsupportedSchemaException when a tool's parameters fall outside the converter's subset (the path
     *                                    names the tool)
     */
    public static String forChoice(List<Tool> tools, ToolChoice choice) throws UnsupportedSchemaException {
        return JsonSchemaGrammar.forSchema(schema(tools, choice), "$.tools");
    }

    /** The schema of one call of the tools {@code choice} allows, in the generic form. */
    static JsonNode schema(List<Tool> tools, ToolChoice choice) {
        return schema(tools, choice, "arguments");
    }

    /**
     * The schema of one call of the tools {@code choice} allows: {@code {"name": ..., <argumentsKey>: ...}}, the
     * name first (the grammar keeps the schema's order of properties).
     */
    static JsonNode schema(List<Tool> tools, ToolChoice choice, String argumentsKey) {
        ArrayNode branches = WireJson.mapper().createArrayNode();
        for (Tool tool : tools) {
            if (choice.mode() == ToolChoice.Mode.FUNCTION && !tool.name().equals(choice.function())) {
                continue;
            }
            ObjectNode call = branches.addObject();
            call.put("type", "object");
            call.put("additionalProperties", false);
            call.putArray("required").add("name").add(argumentsKey);
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", tool.name());
            JsonNode parameters = tool.function().parameters();
            if (parameters == null || parameters.isEmpty()) {
                properties.putObject(argumentsKey).put("type", "object");
            } else {
                properties.set(argumentsKey, parameters);
            }
        }
        if (branches.isEmpty()) {
            throw new IllegalArgumentException("tool_choice names '" + choice.function() + "', which is not a tool");
        }
        if (branches.size() == 1) {
            return branches.get(0);
        }
        ObjectNode anyOf = WireJson.mapper().createObjectNode();
        anyOf.set("anyOf", branches);
        return anyOf;
    }
}
