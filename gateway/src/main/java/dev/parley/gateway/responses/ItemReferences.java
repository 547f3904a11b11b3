package dev.parley.gateway.responses;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Finds the output item an {@code item_reference} names (clients such as the Vercel AI SDK send earlier answers by
 * reference when the response was stored). Parley's output item ids carry their response's request id
 * ({@code msg_<hex>}, {@code fc_<hex>_<n>}), so the item is read from that stored response of the tenant.
 */
final class ItemReferences {

    private static final Pattern OUTPUT_ITEM = Pattern.compile("(?:msg|fc)_([0-9a-f]{32})(?:_\\d+)?");

    private ItemReferences() {
    }

    /** The message or function call with this id in the tenant's stored responses, or {@code null}. */
    static InputItem find(ResponseStore store, String tenant, String id) {
        Matcher matcher = OUTPUT_ITEM.matcher(id);
        if (!matcher.matches()) {
            return null;
        }
        StoredResponse stored = store.find(tenant, "resp_" + matcher.group(1));
        if (stored == null) {
            return null;
        }
        for (JsonNode item : stored.response().path("output")) {
            if (id.equals(item.path("id").asString(""))) {
                return switch (item.path("type").asString("")) {
                    case "message" -> new InputMessage("assistant", text(item));
                    case "function_call" -> new FunctionCallItem(id, item.path("call_id").asString(),
                            item.path("name").asString(), item.path("arguments").asString(""));
                    default -> null;
                };
            }
        }
        return null;
    }

    private static String text(JsonNode message) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : message.path("content")) {
            text.append(part.path("text").asString(""));
        }
        return text.toString();
    }
}
