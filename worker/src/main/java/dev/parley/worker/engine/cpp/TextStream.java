package dev.parley.worker.engine.cpp;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns the byte pieces of generated tokens into text that is safe to show: a UTF-8 character split across tokens
 * is held until it is complete, and text that could be the start of a stop string is held until it is clear that it
 * is not. When a stop string appears, the text ends before it.
 */
final class TextStream {

    private final List<String> stops;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pendingBytes = ByteBuffer.allocate(64);
    /** All text decoded so far (the answer, plus held-back text). */
    private final StringBuilder text = new StringBuilder();
    /** How much of {@link #text} has been emitted. */
    private int emitted;
    private boolean stopped;

    TextStream(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Adds a token's bytes and returns the text that can be shown now (possibly empty).
     * After a stop string was found, returns the text before it and ignores further input.
     */
    String push(byte[] piece) {
        if (stopped) {
            return "";
        }
        if (pendingBytes.remaining() < piece.length) {
            ByteBuffer larger = ByteBuffer.allocate(pendingBytes.capacity() * 2 + piece.length);
            pendingBytes.flip();
            larger.put(pendingBytes);
            pendingBytes = larger;
        }
        pendingBytes.put(piece);
        pendingBytes.flip();
        CharBuffer chars = CharBuffer.allocate(pendingBytes.remaining() + 2);
        CoderResult result = decoder.decode(pendingBytes, chars, false);
        if (result.isError()) {
            throw new IllegalStateException("UTF-8 decoding failed: " + result); // REPLACE never reports errors
        }
        pendingBytes.compact(); // keeps an incomplete trailing character for the next piece
        chars.flip();
        text.append(chars);
        return release();
    }

    /** Whether a stop string can end the text: only then must each token's text be known before the next step. */
    boolean watchesStops() {
        return !stops.isEmpty();
    }

    /** True once a stop string appeared: generation should end. */
    boolean stopped() {
        return stopped;
    }

    /** At the end of generation: everything still held back (an incomplete character becomes U+FFFD). */
    String finish() {
        if (stopped) {
            return "";
        }
        pendingBytes.flip();
        CharBuffer chars = CharBuffer.allocate(pendingBytes.remaining() * 2 + 4);
        decoder.decode(pendingBytes, chars, true);
        decoder.flush(chars);
        pendingBytes.clear();
        chars.flip();
        text.append(chars);
        String rest = text.substring(emitted);
        emitted = text.length();
        return rest;
    }

    /** How many chars were decoded so far, shown or held back (after a stop string: up to it). */
    int decoded() {
        return text.length();
    }

    /** How many chars were shown so far. */
    int shownLength() {
        return emitted;
    }

    /** The text shown so far. */
    String shown() {
        return text.substring(0, emitted);
    }

    private String release() {
        int stopAt = firstStop();
        if (stopAt >= 0) {
            stopped = true;
            String before = stopAt > emitted ? text.substring(emitted, stopAt) : "";
            text.setLength(Math.max(stopAt, emitted));
            emitted = text.length();
            return before;
        }
        int safe = text.length() - heldBack();
        if (safe <= emitted) {
            return "";
        }
        String out = text.substring(emitted, safe);
        emitted = safe;
        return out;
    }

    /** The earliest position of a stop string in the not yet emitted text and its lookbehind, or -1. */
    private int firstStop() {
        int best = -1;
        for (String stop : stops) {
            int from = Math.max(0, emitted - stop.length() + 1);
            int at = text.indexOf(stop, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Whether the text ends with the first {@code n} characters of {@code stop}. */
    private boolean endsWith(String stop, int n) {
        int offset = text.length() - n;
        for (int i = 0; i < n; i++) {
            if (text.charAt(offset + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Length of the longest end of the text that is the beginning of a stop string. */
    private int heldBack() {
        int hold = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length() - emitted); n > hold; n--) {
                if (endsWith(stop, n)) {
                    hold = n;
                    break;
                }
            }
        }
        return hold;
    }
}
