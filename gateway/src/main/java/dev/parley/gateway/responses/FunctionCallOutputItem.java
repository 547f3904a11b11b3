package dev.parley.gateway.responses;

/**
 * A {@code function_call_output} item: the result of the call {@code callId}, for the model to answer from.
 *
 * @param callId the call's id ({@link FunctionCallItem#callId()})
 * @param output the result as text
 */
public record FunctionCallOutputItem(String callId, String output) implements InputItem {
}
