package dev.parley.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.models.ModelCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch line is read or becomes that line's error; reading one never throws (a poison line cannot stop a batch). */
class BatchLinesTest {

    private final BatchLines lines = new BatchLines(new ModelCatalog(List.of("m"), 0));

    private static String line(String extra) {
        return "{\"custom_id\": \"c-1\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"m\", "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]" + extra + "}}";
    }

    @Test
    void anIntegerPastALongIsThatLinesErrorNamingTheField() {
        BatchLines.Line poison = lines.parse(0, line(", \"top_k\": 100000000000000000000"));

        assertThat(poison.request()).isNull();
        assertThat(poison.customId()).isEqualTo("c-1");
        assertThat(poison.problem().status()).isEqualTo(400);
        assertThat(poison.problem().param()).isEqualTo("top_k");
        assertThat(BatchLines.failed(poison, "b-0", poison.problem())).contains("\"status_code\":400").contains("top_k");
    }

    @Test
    void anythingThatThrowsWhileReadingALineIsThatLinesError() {
        BatchLines broken = new BatchLines(new ModelCatalog(List.of(), () -> {
            throw new IllegalStateException("catalog broke");
        }, name -> {
            throw new IllegalStateException("catalog broke");
        }, 0));

        BatchLines.Line line = broken.parse(4, line(""));

        assertThat(line.request()).isNull();
        assertThat(line.errorCode()).isEqualTo("invalid_request");
        assertThat(line.problem().getMessage()).contains("line 5").contains("catalog broke");
    }

    @Test
    void aGoodLineIsARequest() {
        BatchLines.Line good = lines.parse(0, line(", \"top_k\": 40, \"seed\": 4294967295"));

        assertThat(good.problem()).isNull();
        assertThat(good.request().params().topK()).isEqualTo(40);
        assertThat(good.request().params().seed()).isEqualTo(4294967295L);
    }
}
