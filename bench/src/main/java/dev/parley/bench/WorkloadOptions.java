package dev.parley.bench;

import picocli.CommandLine.Option;

/**
 * The shape of a conversation workload, as a picocli mixin shared by the benchmarks that drive one: how many
 * conversations, turns each, tokens per answer, and the engine's slots. Each command gives its own defaults by
 * initialising its mixin field ({@code @Mixin WorkloadOptions shape = new WorkloadOptions(48, 6, 24, 4)}); picocli
 * keeps an initialised mixin and shows those values as the defaults in {@code --help}.
 */
public final class WorkloadOptions {

    @Option(names = "--conversations", description = "Conversations (default ${DEFAULT-VALUE})")
    int conversations;

    @Option(names = "--turns", description = "Turns per conversation (default ${DEFAULT-VALUE})")
    int turns;

    @Option(names = "--max-tokens", description = "Tokens per answer (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--slots", description = "Engine slots (default ${DEFAULT-VALUE})")
    int slots;

    /** For picocli, should a command leave its mixin field empty: the defaults of {@code parley bench}. */
    public WorkloadOptions() {
        this(8, 6, 32, 8);
    }

    /** A command's defaults. */
    public WorkloadOptions(int conversations, int turns, int maxTokens, int slots) {
        this.conversations = conversations;
        this.turns = turns;
        this.maxTokens = maxTokens;
        this.slots = slots;
    }

    /** Conversations, run at once. */
    public int conversations() {
        return conversations;
    }

    /** Turns per conversation. */
    public int turns() {
        return turns;
    }

    /** The most tokens of each answer. */
    public int maxTokens() {
        return maxTokens;
    }

    /** The engine's slots. */
    public int slots() {
        return slots;
    }
}
