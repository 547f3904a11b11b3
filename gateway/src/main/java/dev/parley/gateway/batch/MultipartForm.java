package dev.parley.gateway.batch;

import dev.parley.gateway.openai.OpenAiException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body as {@code POST /v1/files} receives it: text fields and one file. The whole body
 * is in memory already (uploads are bounded), so parsing is a scan for the boundary.
 */
final class MultipartForm {

    /** One part: its field name, the file name if it is a file, its bytes. */
    record Part(String name, String filename, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("\\bfilename=\"([^\"]*)\"");

    private final Map<String, Part> parts;

    private MultipartForm(Map<String, Part> parts) {
        this.parts = parts;
    }

    Part part(String name) {
        return parts.get(name);
    }

    static MultipartForm parse(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            throw OpenAiException.badRequest("files must be uploaded as multipart/form-data");
        }
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw OpenAiException.badRequest("multipart/form-data without a boundary");
        }
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, Part> parts = new LinkedHashMap<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int start = at + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break; // closing delimiter
            }
            start = skipLineBreak(body, start);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            if (headersEnd < 0) {
                throw OpenAiException.badRequest("malformed multipart body: a part without headers");
            }
            String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int next = indexOf(body, delimiter, contentStart);
            if (next < 0) {
                throw OpenAiException.badRequest("malformed multipart body: no closing boundary");
            }
            int contentEnd = next - 2; // the CRLF before the delimiter belongs to it
            Matcher name = NAME.matcher(headers);
            if (name.find()) {
                Matcher filename = FILENAME.matcher(headers);
                parts.put(name.group(1), new Part(name.group(1), filename.find() ? filename.group(1) : null,
                        Arrays.copyOfRange(body, contentStart, Math.max(contentStart, contentEnd))));
            }
            at = next;
        }
        return new MultipartForm(parts);
    }

    private static int skipLineBreak(byte[] body, int at) {
        if (at + 1 < body.length && body[at] == '\r' && body[at + 1] == '\n') {
            return at + 2;
        }
        return at;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
