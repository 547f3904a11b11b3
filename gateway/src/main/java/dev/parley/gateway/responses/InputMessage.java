package dev.parley.gateway.responses;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Role;

/**
 * One message item of a Responses {@code input}, text only.
 *
 * @param role the role as the client named it ({@code user}, {@code assistant}, {@code system}, {@code developer})
 * @param text its text parts joined
 */
public record InputMessage(String role, String text) implements InputItem {

    /** The chat message it becomes ({@code developer} is a system message, as in chat completions). */
    public ChatMessage toChat() {
        return new ChatMessage(switch (role) {
            case "system", "developer" -> Role.SYSTEM;
            case "assistant" -> Role.ASSISTANT;
            default -> Role.USER;
        }, text);
    }

    @Override
    public boolean isSystem() {
        return role.equals("system") || role.equals("developer");
    }
}
