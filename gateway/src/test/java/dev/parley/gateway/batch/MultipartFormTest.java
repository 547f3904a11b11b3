package dev.parley.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MultipartFormTest {

    @Test
    void readsFieldsAndTheFile() {
        String body = "--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n{\"a\":1}\n{\"b\":2}\n\r\n--xyz--\r\n";
        MultipartForm form = MultipartForm.parse("multipart/form-data; boundary=xyz", body.getBytes(StandardCharsets.UTF_8));

        assertThat(form.part("purpose").text()).isEqualTo("batch");
        assertThat(form.part("file").filename()).isEqualTo("in.jsonl");
        assertThat(form.part("file").text()).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
        assertThat(form.part("other")).isNull();
    }

    @Test
    void refusesWhatIsNotMultipart() {
        assertThatThrownBy(() -> MultipartForm.parse("application/json", new byte[0])).hasMessageContaining("multipart");
        assertThatThrownBy(() -> MultipartForm.parse("multipart/form-data; boundary=q", "--q\r\nbroken".getBytes()))
                .hasMessageContaining("malformed");
    }
}
