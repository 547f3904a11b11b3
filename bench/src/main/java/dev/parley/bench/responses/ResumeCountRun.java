package dev.parley.bench.responses;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Aim 2: streams cut on one gateway after a few text deltas and resumed on another with {@code starting_after}; the
 * events of both halves are counted by sequence number: each must come exactly once, none missing.
 */
final class ResumeCountRun {

    /** The counts over all resumed streams. */
    record Counts(int streams, int events, int duplicates, int missing, int textMismatches) {

        boolean exactlyOnce() {
            return duplicates == 0 && missing == 0 && textMismatches == 0;
        }
    }

    private final ResponsesHttp http;
    private final String model;

    ResumeCountRun(ResponsesHttp http, String model) {
        this.http = http;
        this.model = model;
    }

    Counts run(String cutAt, String resumeAt, int streams, int maxTokens) throws IOException, InterruptedException {
        int events = 0;
        int duplicates = 0;
        int missing = 0;
        int mismatches = 0;
        for (int s = 0; s < streams; s++) {
            Map<String, Object> body = new HashMap<>(Map.of("model", model, "input", "Write a long story about a "
                    + "lighthouse keeper, number " + s + ".", "max_output_tokens", maxTokens, "temperature", 0,
                    "stream", true, "background", true));
            ResponsesHttp.Streamed first = http.cut(cutAt, body, 3);
            int last = first.sequence().get(first.sequence().size() - 1);
            ResponsesHttp.Streamed rest = http.resume(resumeAt, first.id(), last);
            List<Integer> all = new ArrayList<>(first.sequence());
            all.addAll(rest.sequence());
            int highest = all.stream().mapToInt(Integer::intValue).max().orElse(-1);
            Map<Integer, Integer> seen = new HashMap<>();
            all.forEach(n -> seen.merge(n, 1, Integer::sum));
            events += all.size();
            duplicates += (int) seen.values().stream().filter(count -> count > 1).count();
            missing += highest + 1 - seen.size();
            if (rest.response() == null || !rest.response().path("object").asString("").equals("response")) {
                mismatches++; // the resumed half never reached the end
            }
        }
        return new Counts(streams, events, duplicates, missing, mismatches);
    }
}
