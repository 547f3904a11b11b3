package dev.parley.gateway.resume;

import dev.parley.gateway.openai.OpenAiException;

/**
 * An SSE event id, {@code <stream id>:<n>}: the stream (a chat request id or a response id) and the event's number in
 * it from 0 (for Responses, its {@code sequence_number}). A client resumes after the last one it read.
 */
public record EventId(String streamId, long number) {

    /** The id line's value for event {@code number} of {@code streamId}. */
    public static String of(String streamId, long number) {
        return streamId + ":" + number;
    }

    /**
     * Reads a {@code Last-Event-ID} header (or {@code starting_after}); {@code defaultStream} is taken when the value
     * is a bare number (the stream is named by the URL). A malformed one is a 400 naming {@code param}.
     */
    public static EventId parse(String value, String defaultStream, String param) {
        String stream = defaultStream;
        String number = value.strip();
        int colon = number.lastIndexOf(':');
        if (colon >= 0) {
            stream = number.substring(0, colon);
            number = number.substring(colon + 1);
        }
        if (stream == null || stream.isEmpty() || (defaultStream != null && !defaultStream.equals(stream))) {
            throw OpenAiException.invalidParam(param, param + " must be an event id of this stream, got '" + value + "'");
        }
        try {
            long parsed = Long.parseLong(number);
            if (parsed >= -1) {
                return new EventId(stream, parsed);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw OpenAiException.invalidParam(param, param + " must end with an event number (>= -1), got '" + value + "'");
    }
}
