package dev.parley.worker.turn;

import dev.parley.schemas.TokenLogprob;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.ToolCallDelta;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.engine.tools.ToolSyntax;
import dev.parley.worker.reply.ChunkStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A streamed answer that may call tools: text goes to the chunks as generated until a call may have begun (the
 * family's marker, or an answer that opens with JSON); from there it is held, and at the end the calls go out as
 * tool-call deltas, or the held text as text when it called nothing. A forced call holds everything. So a client
 * never sees the raw call syntax as content.
 */
final class ToolCallStream implements TokenListener {

    private static final String PYTHON_TAG = "<|python_tag|>";

    private final ChunkStream chunks;
    private final String marker;
    private final StringBuilder held = new StringBuilder();
    private boolean holding;
    private boolean passing;

    /**
     * @param forced the answer is a call (sampled under its grammar): nothing is streamed as text
     */
    ToolCallStream(ChunkStream chunks, ToolSyntax syntax, boolean forced) {
        this.chunks = chunks;
        this.marker = switch (syntax) {
            case HERMES -> "<tool_call>";
            case MISTRAL -> "[TOOL_CALLS]";
            case LLAMA3, GENERIC -> null;
        };
        this.holding = forced;
    }

    @Override
    public synchronized void onText(String delta) {
        if (passing) {
            chunks.onText(delta);
            return;
        }
        held.append(delta);
        if (holding) {
            return;
        }
        String text = held.toString();
        String start = text.stripLeading();
        // a bare JSON call is the whole answer: it starts the answer or nothing
        if (start.startsWith("{") || start.startsWith("[") || start.startsWith(PYTHON_TAG)) {
            holding = true;
        } else if (start.isEmpty() || PYTHON_TAG.startsWith(start)) {
            return;
        } else if (marker == null) {
            release(text.length());
            passing = true;
        } else {
            int at = text.indexOf(marker);
            holding = at >= 0;
            release(at >= 0 ? at : text.length() - partialMarker(text));
        }
    }

    /** Log probabilities go on as they come: a call's tokens are tokens of the answer too. */
    @Override
    public void onLogprobs(List<TokenLogprob> entries) {
        chunks.onLogprobs(entries);
    }

    /** A further answer (n > 1) streams as generated: tool calls are read from the first answer only. */
    @Override
    public TokenListener choice(int index) {
        return chunks.choice(index);
    }

    /** Ends the stream with the answer's calls as deltas, or with the held text when it called none. */
    synchronized void finish(Optional<ParsedAnswer> answer) {
        if (answer.isEmpty()) {
            release(held.length());
            return;
        }
        List<ToolCallDelta> deltas = new ArrayList<>();
        List<ToolCall> calls = answer.get().calls();
        for (int i = 0; i < calls.size(); i++) {
            ToolCall call = calls.get(i);
            deltas.add(new ToolCallDelta(i, call.id(), call.type(), call.function()));
        }
        chunks.sendToolCalls(deltas);
    }

    /** How many characters at the end of {@code text} may be the start of the marker. */
    private int partialMarker(String text) {
        for (int length = Math.min(marker.length() - 1, text.length()); length > 0; length--) {
            if (marker.startsWith(text.substring(text.length() - length))) {
                return length;
            }
        }
        return 0;
    }

    private void release(int length) {
        if (length > 0) {
            chunks.onText(held.substring(0, length));
            held.delete(0, length);
        }
    }
}
