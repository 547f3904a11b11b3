package dev.parley.gateway.responses;

/**
 * One item of a Responses {@code input} as Parley keeps it: a message, a function call the model made earlier (sent
 * back by the client), or the output of such a call. {@link ItemMessages} turns a list of them into chat messages.
 */
public sealed interface InputItem permits InputMessage, FunctionCallItem, FunctionCallOutputItem {

    /** Whether this item is a system (or developer) message. */
    default boolean isSystem() {
        return false;
    }
}
