package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyRateLimitedException;
import dev.parley.client.SendOptions;
import dev.parley.client.UnknownModelException;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code parley chat}: talk to a running Parley, the reply streamed to the terminal. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a running Parley from the terminal; replies stream in as they are generated. "
                + "Commands: /new starts a new conversation, /quit (or end of input) leaves.")
public final class ChatCommand implements Callable<Integer> {

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

    @Mixin
    ClientOptions client = new ClientOptions();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        String id = conversation != null ? conversation : newConversation();
        boolean first = conversation == null;
        try (ParleyClient parley = client.client(Duration.ofMinutes(10));
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println("Conversation " + id + " (/new for another, /quit to leave)");
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
                    out.println("Conversation " + id);
                    continue;
                }
                SendOptions options = sendOptions(first);
                first = false;
                if (!turn(parley, id, line, options, out)) {
                    return 2;
                }
            }
        }
    }

    /** The options of one turn; the system prompt goes only with a new conversation's first turn. */
    private SendOptions sendOptions(boolean firstTurn) {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxTokens(maxTokens);
        if (temperature != null) {
            params = params.withTemperature(temperature);
        }
        SendOptions.Builder options = SendOptions.builder().params(params).tenant(tenant).model(model);
        if (firstTurn && system != null) {
            options.system(system);
        }
        return options.build();
    }

    /**
     * Sends one turn, printing the answer as it streams in and then its figures or error.
     *
     * @return {@code false} when no worker serves the asked model, so the chat cannot go on
     */
    private static boolean turn(ParleyClient parley, String id, String line, SendOptions options, PrintStream out) {
        out.print("parley> ");
        out.flush();
        Reply reply;
        try {
            reply = parley.send(id, line, options, chunk -> {
                out.print(chunk.delta());
                out.flush();
            }).join();
        } catch (UnknownModelException e) {
            out.println();
            System.err.println("parley: " + e.getMessage());
            return false;
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ParleyRateLimitedException limited)) {
                throw e;
            }
            // Over quota is the user's to wait out, not the end of the chat.
            out.printf(Locale.ROOT, "%n  rate limited: %s (try again in %.1f s)%n",
                    limited.reply().error() != null ? limited.reply().error().message() : "over quota",
                    limited.retryAfter().toMillis() / 1000.0);
            return true;
        }
        if (reply.isOk()) {
            out.printf(Locale.ROOT, "%n  (%d tokens, first after %d ms, turn %d)%n",
                    reply.usage().completionTokens(), reply.timings().firstTokenMs(), reply.turn());
        } else {
            out.println("\n  " + reply.status().wireName() + ": "
                    + (reply.error() != null ? reply.error().message() : ""));
        }
        return true;
    }

    private static String newConversation() {
        return "chat-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
