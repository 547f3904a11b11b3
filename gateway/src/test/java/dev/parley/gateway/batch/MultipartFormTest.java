package dev.parley.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultipartFormTest {

    /** Every part's bytes by name, the file name under {@code <name>.filename}. */
    private static Map<String, String> read(String contentType, InputStream body) throws IOException {
        Map<String, ByteArrayOutputStream> parts = new LinkedHashMap<>();
        Map<String, String> read = new LinkedHashMap<>();
        MultipartForm.parse(contentType, body, (name, filename) -> {
            if (filename != null) {
                read.put(name + ".filename", filename);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            parts.put(name, out);
            return out::write;
        });
        parts.forEach((name, out) -> read.put(name, out.toString(StandardCharsets.UTF_8)));
        return read;
    }

    private static Map<String, String> read(String contentType, String body) throws IOException {
        return read(contentType, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsFieldsAndTheFile() throws IOException {
        String body = "--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n{\"a\":1}\n{\"b\":2}\n\r\n--xyz--\r\n";
        Map<String, String> form = read("multipart/form-data; boundary=xyz", body);

        assertThat(form).containsEntry("purpose", "batch").containsEntry("file.filename", "in.jsonl")
                .containsEntry("file", "{\"a\":1}\n{\"b\":2}\n").doesNotContainKey("other");
    }

    @Test
    void contentThatAlmostHoldsTheBoundaryIsKeptWhole() throws IOException {
        // Partial delimiters, a delimiter's prefix repeated, a boundary without its line break: all content.
        String content = "--xyx\r\n--xy\r\n\r\n--x\r\r\n--xy-z\n--xyz\r--xyz";
        String body = "preamble\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n"
                + content + "\r\n--xyz--";
        assertThat(read("multipart/form-data; boundary=\"xyz\"", body)).containsEntry("file", content);
    }

    @Test
    void aHostileBodyOfNearMissesIsReadWholeInChunks() throws IOException {
        // Many near-misses of a long boundary: a naive search costs body x boundary byte comparisons.
        String boundary = "a".repeat(199) + "b";
        byte[] near = ("\r\n--" + "a".repeat(199)).getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        int copies = (8 << 20) / near.length;
        for (int i = 0; i < copies; i++) {
            body.write(near);
        }
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        long[] bytes = new long[1];
        int[] writes = new int[1];
        MultipartForm.parse("multipart/form-data; boundary=" + boundary, new ByteArrayInputStream(body.toByteArray()),
                (name, filename) -> (b, off, len) -> {
                    bytes[0] += len;
                    writes[0]++;
                });

        assertThat(bytes[0]).isEqualTo((long) copies * near.length);
        assertThat(writes[0]).as("written in chunks, not whole").isGreaterThan(10);
    }

    @Test
    void refusesWhatIsNotMultipart() {
        assertThatThrownBy(() -> read("application/json", "")).hasMessageContaining("multipart");
        assertThatThrownBy(() -> read("multipart/form-data; boundary=q", "--q\r\nbroken")).hasMessageContaining("malformed");
        assertThatThrownBy(() -> read("multipart/form-data; boundary=q", "--q\r\nContent-Disposition: form-data; "
                + "name=\"a\"\r\n\r\nno end")).hasMessageContaining("no closing boundary");
    }
}
