package dev.parley.bench.responses;

import java.util.List;

/**
 * The bench's conversations: each turn a few notes and a question about them (~120 tokens), so a conversation of
 * eight turns with its answers holds about 1 000 tokens. Every conversation gets its own notes.
 */
final class ChainTurns {

    static final String INSTRUCTIONS = "You are a careful analyst. Answer briefly, using the notes you are given.";

    private static final List<String> NOTES = List.of(
            "The depot received %d pallets of tiles on Monday, two of them cracked in transit.",
            "Driver %d reported that the loading ramp at gate three is slippery after rain.",
            "The invoice for %d metres of copper pipe was paid twice by mistake last month.",
            "Forklift %d needs new tyres before the inspection at the end of the quarter.",
            "Electricity use in the cold room rose by %d percent since the door seal tore.",
            "The night shift asked for %d more hours of overtime to clear the backlog.",
            "Supplier %d moved its delivery window from mornings to late afternoons.",
            "A leak damaged %d boxes of paper stored under the north skylight.");

    private static final List<String> QUESTIONS = List.of(
            "What is the most urgent problem here, and who should handle it?",
            "Which of these notes affects costs, and by roughly how much?",
            "Which note contradicts something said earlier, if any?",
            "List the numbers mentioned so far.");

    private ChainTurns() {
    }

    static String question(int conversation, int turn) {
        StringBuilder text = new StringBuilder("Report ").append(conversation + 1).append('.').append(turn + 1)
                .append(". Notes:\n");
        for (int i = 0; i < 3; i++) {
            int pick = (conversation * 5 + turn * 3 + i) % NOTES.size();
            text.append("- ").append(String.format(NOTES.get(pick), 3 + (conversation * 31 + turn * 17 + i * 5) % 97))
                    .append('\n');
        }
        return text.append(QUESTIONS.get(turn % QUESTIONS.size())).toString();
    }
}
