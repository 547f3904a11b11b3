package dev.parley.bench;

import java.util.List;

/**
 * C conversations of T turns each. Questions are long enough that a conversation's history reaches several hundred
 * tokens by its last turn; every conversation starts differently so none shares a cached prefix with another beyond
 * the system prompt.
 */
record Workload(int conversations, int turns, int maxTokens) {

    static final String SYSTEM = "You are a knowledgeable assistant. Answer with concrete facts.";

    private static final List<String> TOPICS = List.of("lighthouses", "volcanoes", "honey bees", "the printing press",
            "glaciers", "coffee", "the Roman aqueducts", "octopuses", "the telescope", "tea ceremonies",
            "coral reefs", "steam engines", "the silk road", "penguins", "windmills", "the compass");

    private static final List<String> ASPECTS = List.of(
            "Tell me about %s: where they are found, how they work, and why people care about them.",
            "What is the history of %s? Mention at least two dates or periods and what changed in each.",
            "What are common misconceptions about %s, and what is actually true instead?",
            "How have %s changed in the last hundred years, and what drove those changes?",
            "Explain one surprising fact about %s to a curious ten-year-old, step by step.",
            "If you had to teach a one-hour class on %s, what would the three main sections be?",
            "What would the world look like without %s? Give two concrete consequences.",
            "Summarise everything we discussed about %s so far in three sentences.");

    String question(int conversation, int turn) {
        String topic = TOPICS.get(conversation % TOPICS.size());
        String text = String.format(ASPECTS.get(turn % ASPECTS.size()), topic);
        return turn == 0 ? "I am student number " + (conversation + 1) + ". " + text : text;
    }

    String conversationId(String mode, int conversation) {
        return "bench-" + mode + "-" + ProcessHandle.current().pid() + "-" + conversation;
    }
}
