package dev.parley.gateway.http;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A copy of the answer a route gave (status, content type, the headers it set, the body, streams included), kept so
 * that it can be given again: what an idempotency key replays. Past {@code maxBytes} it stops copying and is no
 * longer {@link #replayable()}.
 */
public final class Recording {

    private final int maxBytes;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status;
    private String contentType;
    private boolean overflowed;
    private boolean finished;

    Recording(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void header(String name, String value) {
        headers.put(name, value);
    }

    void start(int status, String contentType) {
        this.status = status;
        this.contentType = contentType;
    }

    void append(byte[] bytes, boolean last) {
        if (!overflowed && body.size() + bytes.length <= maxBytes) {
            body.write(bytes, 0, bytes.length);
        } else {
            overflowed = true;
            body.reset();
        }
        finished |= last;
    }

    /** Whether the whole answer was given and copied. */
    public boolean replayable() {
        return finished && !overflowed;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public Map<String, String> headers() {
        return Map.copyOf(headers);
    }

    public byte[] body() {
        return body.toByteArray();
    }
}
