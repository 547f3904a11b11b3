package dev.parley.gateway.responses;

/**
 * A {@code function_call} item: a call the model made, as the client passes it back in a later {@code input}.
 *
 * @param id        the item's id ({@code fc_...}) as the client sent it, or {@code null}
 * @param callId    the call's id, which the {@code function_call_output} with its result names
 * @param name      the function called
 * @param arguments its arguments, a JSON object as text
 */
public record FunctionCallItem(String id, String callId, String name, String arguments) implements InputItem {
}
