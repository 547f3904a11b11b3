package dev.parley.bench.responses;

import dev.parley.bench.Stats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aim 1: a {@code previous_response_id} turn of a ~1 000-token conversation after a gateway and worker restart,
 * against the same turn with the history resent to a new conversation (cold: every token computed again). Both
 * streamed; time to first token is from the send to the first text delta, as the client sees it.
 */
final class WarmChainRun {

    /** One conversation's next turn, both ways. */
    record Pair(int conversation, int historyTokens, ResponsesHttp.Streamed warm, ResponsesHttp.Streamed cold) {
    }

    private final ResponsesHttp http;
    private final String model;
    private final int turns;
    private final int maxTokens;
    private final List<String> lastIds = new ArrayList<>();
    private final List<List<Map<String, Object>>> histories = new ArrayList<>();
    private final List<Integer> historyTokens = new ArrayList<>();

    WarmChainRun(ResponsesHttp http, String model, int turns, int maxTokens) {
        this.http = http;
        this.model = model;
        this.turns = turns;
        this.maxTokens = maxTokens;
    }

    /** Builds each conversation turn by turn through {@code previous_response_id}. */
    void build(String baseUrl, int conversations) throws IOException, InterruptedException {
        for (int c = 0; c < conversations; c++) {
            String previous = null;
            List<Map<String, Object>> history = new ArrayList<>();
            ResponsesHttp.Streamed last = null;
            for (int t = 0; t < turns; t++) {
                Map<String, Object> body = body(ChainTurns.question(c, t));
                if (previous != null) {
                    body.put("previous_response_id", previous);
                }
                last = check(http.stream(baseUrl, body, Map.of()));
                previous = last.id();
                history.add(Map.of("role", "user", "content", ChainTurns.question(c, t)));
                history.add(Map.of("role", "assistant", "content", last.text()));
            }
            lastIds.add(previous);
            histories.add(history);
            historyTokens.add(last.inputTokens() + last.response().path("usage").path("output_tokens").asInt());
        }
    }

    /** The next turn of each conversation: first resent cold (nothing of it computed yet), then warm by its chain. */
    List<Pair> nextTurns(String baseUrl, String run) throws IOException, InterruptedException {
        List<Pair> pairs = new ArrayList<>();
        for (int c = 0; c < lastIds.size(); c++) {
            String question = ChainTurns.question(c, turns);
            List<Map<String, Object>> input = new ArrayList<>(histories.get(c));
            input.add(Map.of("role", "user", "content", question));
            Map<String, Object> coldBody = body(null);
            coldBody.put("input", input);
            coldBody.put("store", false);
            ResponsesHttp.Streamed cold = check(http.stream(baseUrl, coldBody,
                    Map.of("X-Parley-Conversation-Id", "cold-" + run + "-" + c)));
            Map<String, Object> warmBody = body(question);
            warmBody.put("previous_response_id", lastIds.get(c));
            ResponsesHttp.Streamed warm = check(http.stream(baseUrl, warmBody, Map.of()));
            pairs.add(new Pair(c, historyTokens.get(c), warm, cold));
        }
        return pairs;
    }

    private Map<String, Object> body(String input) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("input", input);
        body.put("instructions", ChainTurns.INSTRUCTIONS);
        body.put("max_output_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("stream", true);
        return body;
    }

    private static ResponsesHttp.Streamed check(ResponsesHttp.Streamed streamed) {
        if (streamed.status() != 200 || streamed.response() == null
                || !streamed.response().path("object").asString("").equals("response")) {
            throw new IllegalStateException("bench turn failed (" + streamed.status() + "): " + streamed.response());
        }
        return streamed;
    }

    static double ratio(List<Pair> pairs) {
        return Stats.percentile(pairs.stream().mapToDouble(p -> p.warm().ttftMs()).toArray(), 50)
                / Stats.percentile(pairs.stream().mapToDouble(p -> p.cold().ttftMs()).toArray(), 50);
    }
}
