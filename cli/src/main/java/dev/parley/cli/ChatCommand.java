package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.SendOptions;
import dev.parley.client.UnknownModelException;
import dev.parley.client.internal.ClientPrompts;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Reply;
import dev.parley.schemas.Role;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolChoice;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code parley chat}: talk to a running Parley, the reply streamed to the terminal. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a running Parley from the terminal; replies stream in as they are generated, the "
                + "model's tool calls are shown. Commands: /help lists them, /new starts a new conversation, "
                + "/tool answers a tool call, /quit (or end of input) leaves.")
public final class ChatCommand implements Callable<Integer> {

    /** What {@code /help} prints: the commands, answered here rather than sent to the model. */
    static final String HELP = """
              /help               this list (commands are never sent to the model)
              /new                start a new conversation
              /tool RESULT        answer the model's tool call with RESULT (its output, often JSON)
              /tool CALL_ID RESULT  answer one of several calls
              /quit               leave (so does the end of input)
              anything else is your next message
            """;
    private static final Duration TURN_TIMEOUT = Duration.ofMinutes(10);

    @Option(names = "--conversation", description = "Conversation id to continue (default: a new one)")
    String conversation;

    @Option(names = "--system", description = "System prompt for a new conversation")
    String system;

    @Option(names = "--max-tokens", defaultValue = "256", description = "Default ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--temperature", description = "Sampling temperature (default: the worker's)")
    Double temperature;

    @Option(names = "--model", description = "The model to talk to, by the name its workers announce "
            + "(default: the one serving the prompts topic)")
    String model;

    @Option(names = "--tenant", description = "Tenant the turns are charged to (workers' token quotas; default: none)")
    String tenant;

    @Option(names = "--tools", description = "JSON file of the tools the model may call, in OpenAI's chat shape "
            + "([{\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}])")
    Path tools;

    @Option(names = "--tool-choice", description = "auto (default with --tools), required, none, or a tool's name: "
            + "for the turns you type; a turn answering a call (/tool) is auto")
    String toolChoice;

    @Mixin
    ClientOptions client = new ClientOptions();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        String id = conversation != null ? conversation : newConversation();
        boolean first = conversation == null;
        List<Tool> offered = tools == null ? List.of() : ChatTools.read(tools);
        List<ToolCall> calls = List.of();
        try (ParleyClient parley = client.client(TURN_TIMEOUT);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println("Conversation " + id + " (/new for another, /quit to leave, /help for more)");
            while (true) {
                out.print("you> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/quit")) {
                    out.println();
                    return 0;
                }
                if (line.isBlank()) {
                    continue;
                }
                if (line.strip().equals("/new")) {
                    id = newConversation();
                    first = true;
                    calls = List.of();
                    out.println("Conversation " + id);
                    continue;
                }
                ChatMessage message = message(line.strip(), calls, out);
                if (message == null) {
                    continue; // a command answered here, never sent to the model
                }
                SendOptions options = sendOptions(first, message.role() == Role.TOOL, offered);
                first = false;
                Reply reply = turn(parley, ClientPrompts.toPrompt(id, "-", options).newBuilder()
                        .messages(List.of(message)).build(), out);
                if (reply == null) {
                    return 2;
                }
                calls = reply.toolCalls() != null ? reply.toolCalls() : List.of();
            }
        }
    }

    /**
     * The message a typed line sends: the line as the user's, or {@code /tool}'s result of one of the model's calls;
     * {@code null} for what is answered here ({@code /help}, a mistyped command, a {@code /tool} that names no call).
     */
    private static ChatMessage message(String line, List<ToolCall> calls, PrintStream out) {
        if (!line.startsWith("/")) {
            return ChatMessage.user(line);
        }
        if (line.equals("/help")) {
            out.print(HELP);
            return null;
        }
        if (line.equals("/tool") || line.startsWith("/tool ")) {
            return ChatTools.result(line.substring("/tool".length()).strip(), calls, out);
        }
        out.println("  unknown command " + line.split("\\s+")[0] + " (/help lists the commands)");
        return null;
    }

    /**
     * The options of one turn; the system prompt goes only with a new conversation's first turn. A turn answering
     * a tool call leaves the choice to the model, so that it can answer rather than be made to call again.
     */
    private SendOptions sendOptions(boolean firstTurn, boolean toolResult, List<Tool> offered) {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(maxTokens);
        if (temperature != null) {
            params = params.withTemperature(temperature);
        }
        SendOptions.Builder options = SendOptions.builder().params(params).tenant(tenant).model(model);
        if (firstTurn && system != null) {
            options.system(system);
        }
        if (!offered.isEmpty()) {
            options.tools(offered).toolChoice(toolResult || toolChoice == null ? ToolChoice.AUTO
                    : ChatTools.choice(toolChoice));
        }
        return options.build();
    }

    /**
     * Sends one turn, printing the answer as it streams in, the tools it called, then its figures or error.
     *
     * @return the reply (a rate-limited one: an empty one), or {@code null} when no worker serves the asked model,
     *         so the chat cannot go on
     */
    private static Reply turn(ParleyClient parley, Prompt prompt, PrintStream out) {
        out.print("parley> ");
        out.flush();
        Reply reply;
        try {
            reply = parley.sendStreamed(prompt, TURN_TIMEOUT, chunk -> {
                out.print(chunk.delta());
                out.flush();
            }).join();
        } catch (UnknownModelException e) {
            out.println();
            System.err.println("parley: " + e.getMessage());
            return null;
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ParleyRateLimitedException limited)) {
                throw e;
            }
            // Over quota is the user's to wait out, not the end of the chat.
            out.printf(Locale.ROOT, "%n  rate limited: %s (try again in %.1f s)%n",
                    limited.reply().error() != null ? limited.reply().error().message() : "over quota",
                    limited.retryAfter().toMillis() / 1000.0);
            return limited.reply();
        }
        if (reply.toolCalls() != null) {
            ChatTools.show(reply.toolCalls(), out);
        }
        if (reply.isOk()) {
            out.printf(Locale.ROOT, "%n  (%d tokens, first after %d ms, turn %d)%n",
                    reply.usage().completionTokens(), reply.timings().firstTokenMs(), reply.turn());
        } else {
            out.println("\n  " + reply.status().wireName() + ": "
                    + (reply.error() != null ? reply.error().message() : ""));
        }
        return reply;
    }

    private static String newConversation() {
        return "chat-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
