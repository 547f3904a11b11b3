package dev.parley.gateway.responses;

import dev.parley.gateway.openai.Json;
import dev.parley.schemas.ToolCall;
import java.util.Map;

/**
 * The Responses API's function-call items: {@code function_call} output items for the calls of a reply, and the
 * {@code function_call} / {@code function_call_output} input items as {@code input_items} lists them.
 */
final class FunctionCallJson {

    private FunctionCallJson() {
    }

    /** The id of a reply's {@code index}th call item: it names the response, so an item_reference finds it. */
    static String itemId(String requestId, int index) {
        return "fc_" + requestId.replace("-", "") + "_" + index;
    }

    /** A {@code function_call} output item ({@code arguments} empty while it streams). */
    static Map<String, Object> item(String requestId, int index, String callId, String name, String arguments,
                                    String status) {
        return Json.object("id", itemId(requestId, index), "type", "function_call", "status", status,
                "call_id", callId, "name", name, "arguments", arguments);
    }

    static Map<String, Object> item(String requestId, int index, ToolCall call) {
        return item(requestId, index, call.id(), call.name(), call.arguments(), "completed");
    }

    /** A function call or its output as {@code input_items} lists it. */
    static Map<String, Object> inputItem(String responseId, int index, InputItem item) {
        String suffix = responseId.substring(responseId.indexOf('_') + 1) + "_" + index;
        if (item instanceof FunctionCallItem call) {
            return Json.object("id", call.id() != null ? call.id() : "fc_" + suffix + "_input", "type", "function_call",
                    "status", "completed", "call_id", call.callId(), "name", call.name(), "arguments", call.arguments());
        }
        FunctionCallOutputItem output = (FunctionCallOutputItem) item;
        return Json.object("id", "fco_" + suffix, "type", "function_call_output", "status", "completed",
                "call_id", output.callId(), "output", output.output());
    }
}
