package dev.parley.gateway.batch;

import dev.parley.gateway.openai.OpenAiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code multipart/form-data} body as {@code POST /v1/files} receives it, as it arrives: each part's bytes go
 * to the {@link Handler} in chunks, so a file is never held whole. The boundary is found in one pass (a
 * Knuth-Morris-Pratt match over the stream), linear in the body whatever the boundary, where a naive search costs
 * body times boundary length.
 */
final class MultipartForm {

    /** Where one part's bytes go. */
    interface Sink {
        void write(byte[] bytes, int offset, int length) throws IOException;
    }

    /** Called for each part with its headers read; returns where its content goes, or {@code null} to skip it. */
    interface Handler {
        Sink part(String name, String filename) throws IOException;
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("\\bfilename=\"([^\"]*)\"");
    private static final int MAX_HEADER_BYTES = 8192;
    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final byte[] delimiter;
    private final int[] fallback;
    private final byte[] buffer = new byte[CHUNK];
    private int available;
    private int position;

    private MultipartForm(InputStream in, byte[] delimiter) {
        this.in = in;
        this.delimiter = delimiter;
        this.fallback = fallback(delimiter);
    }

    /** Reads the whole body, part by part, into {@code handler}'s sinks. */
    static void parse(String contentType, InputStream body, Handler handler) throws IOException {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw OpenAiException.badRequest("files must be uploaded as multipart/form-data");
        }
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find() || m.group(1).length() > 200) {
            throw OpenAiException.badRequest("multipart/form-data without a boundary (of at most 200 characters)");
        }
        // Every delimiter but the first follows a line break; the first is found as if one came before the body.
        byte[] delimiter = ("\r\n--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        new MultipartForm(body, delimiter).parts(handler);
    }

    private void parts(Handler handler) throws IOException {
        DelimiterMatch matcher = new DelimiterMatch(2); // the virtual line break before the body is matched already
        if (!scan(matcher, null)) {
            throw malformed("no boundary");
        }
        while (true) {
            int a = next();
            int b = next();
            if (a == '-' && b == '-') {
                return; // closing delimiter; what follows is epilogue
            }
            if (a != '\r' || b != '\n') {
                throw malformed("a boundary not followed by a line break");
            }
            String headers = headers();
            Matcher name = NAME.matcher(headers);
            Sink sink = null;
            if (name.find()) {
                Matcher filename = FILENAME.matcher(headers);
                sink = handler.part(name.group(1), filename.find() ? filename.group(1) : null);
            }
            if (!scan(new DelimiterMatch(0), sink)) {
                throw malformed("no closing boundary");
            }
        }
    }

    /** Feeds bytes through the delimiter match, content to {@code sink}; {@code false} at the end of the body. */
    private boolean scan(DelimiterMatch matcher, Sink sink) throws IOException {
        byte[] out = new byte[CHUNK];
        int length = 0;
        int b;
        while ((b = next()) >= 0) {
            int slid = matcher.feed((byte) b);
            if (slid < 0) {
                if (sink != null && length > 0) {
                    sink.write(out, 0, length);
                }
                return true;
            }
            // Bytes that can no longer start a delimiter are content: the prefix of the delimiter that slid out.
            for (int i = 0; i < slid; i++) {
                if (length == out.length) {
                    if (sink != null) {
                        sink.write(out, 0, length);
                    }
                    length = 0;
                }
                out[length++] = i < matcher.slidFromDelimiter ? delimiter[i] : (byte) b;
            }
        }
        return false;
    }

    private String headers() throws IOException {
        byte[] text = new byte[MAX_HEADER_BYTES];
        int length = 0;
        while (length < 4 || text[length - 4] != '\r' || text[length - 3] != '\n' || text[length - 2] != '\r'
                || text[length - 1] != '\n') {
            int b = next();
            if (b < 0) {
                throw malformed("a part without headers");
            }
            if (length == text.length) {
                throw malformed("part headers over " + MAX_HEADER_BYTES + " bytes");
            }
            text[length++] = (byte) b;
        }
        return new String(text, 0, length - 4, StandardCharsets.UTF_8);
    }

    private int next() throws IOException {
        if (position == available) {
            available = in.read(buffer);
            position = 0;
            if (available <= 0) {
                available = 0;
                return -1;
            }
        }
        return buffer[position++] & 0xff;
    }

    private static OpenAiException malformed(String what) {
        return OpenAiException.badRequest("malformed multipart body: " + what);
    }

    /** Knuth-Morris-Pratt: for each matched length, the longest proper prefix of the delimiter that is a suffix. */
    private static int[] fallback(byte[] pattern) {
        int[] table = new int[pattern.length];
        int k = 0;
        for (int i = 1; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = table[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            table[i] = k;
        }
        return table;
    }

    /** The match state over the stream: the bytes held back are always the delimiter's first {@code matched}. */
    private final class DelimiterMatch {
        private int matched;
        /** After {@link #feed}: how many of the bytes that slid out come from the held-back delimiter prefix. */
        int slidFromDelimiter;

        DelimiterMatch(int matched) {
            this.matched = matched;
        }

        /**
         * Takes one byte; returns how many bytes became content (held-back ones first, then maybe this one), or -1
         * when the delimiter is complete.
         */
        int feed(byte b) {
            int start = matched;
            while (matched > 0 && delimiter[matched] != b) {
                matched = fallback[matched - 1];
            }
            if (delimiter[matched] == b) {
                matched++;
                slidFromDelimiter = start + 1 - matched;
                if (matched == delimiter.length) {
                    matched = 0;
                    return -1;
                }
                return slidFromDelimiter;
            }
            slidFromDelimiter = start;
            return start + 1;
        }
    }
}
