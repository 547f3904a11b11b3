package dev.parley.bench.warm;

import java.util.List;

/**
 * Many conversations, each turn a short document plus a question about it, so histories grow by ~170 tokens a turn
 * and pass 1K tokens by the sixth. Every conversation gets its own documents: none shares a prefix with another
 * beyond the system prompt.
 */
record WarmWorkload(int conversations, int turns, int maxTokens) {

    static final String SYSTEM = "You are a careful analyst. Answer briefly, using the notes you are given.";

    private static final List<String> FACTS = List.of(
            "The harbour office logged %d arrivals in the first week, most of them grain ships from the south coast.",
            "Inspector %d noted that the eastern warehouse roof leaks whenever the wind comes from the north-west.",
            "A shipment of %d crates of glassware was delayed because the customs seal did not match the manifest.",
            "The night crew reported that crane number %d stalls when it lifts more than four tonnes at full reach.",
            "Fuel prices at the pier rose by %d percent after the refinery upriver closed for maintenance.",
            "The pilots' union asked for %d extra tugboat shifts during the spring tides to keep the channel safe.",
            "Ledger page %d shows two payments to the same supplier on one day, which the auditor flagged for review.",
            "A storm damaged %d metres of the breakwater, and repairs will need stone from the northern quarry.",
            "The cold store kept fish at minus %d degrees until the compressor failed on Tuesday night.",
            "Berth %d was closed for dredging, so large vessels waited offshore for up to two days.",
            "The harbour master proposed %d new mooring buoys to reduce the queue of waiting yachts in summer.",
            "Sensor %d on the tide gauge drifted by several centimetres and was recalibrated by the survey team.");

    private static final List<String> QUESTIONS = List.of(
            "What is the most urgent problem in these notes, and who should handle it?",
            "Which of these notes affects costs, and by roughly how much?",
            "Which note contradicts something you were told earlier, if any?",
            "List the numbers mentioned so far in this conversation.",
            "What should the harbour office do first tomorrow morning?",
            "Summarise this conversation's notes in two sentences.");

    private static final int FACTS_PER_TURN = 5;

    String question(int conversation, int turn) {
        StringBuilder text = new StringBuilder("Report ").append(conversation + 1).append('.').append(turn + 1)
                .append(". Notes:\n");
        for (int i = 0; i < FACTS_PER_TURN; i++) {
            int pick = (conversation * 7 + turn * FACTS_PER_TURN + i) % FACTS.size();
            int number = 3 + (conversation * 31 + turn * 17 + i * 5) % 97;
            text.append("- ").append(String.format(FACTS.get(pick), number)).append('\n');
        }
        return text.append(QUESTIONS.get(turn % QUESTIONS.size())).toString();
    }

    String conversationId(String run, int conversation) {
        return "warm-" + run + "-" + conversation;
    }
}
