package dev.parley.gateway.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.OpenAiException;
import org.junit.jupiter.api.Test;

class EventIdTest {

    @Test
    void anIdNamesItsStreamAndNumber() {
        String id = EventId.of("0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e", 7);

        assertThat(EventId.parse(id, null, "Last-Event-ID"))
                .isEqualTo(new EventId("0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e", 7));
    }

    @Test
    void aBareNumberIsOfTheStreamTheUrlNames() {
        assertThat(EventId.parse("12", "resp_abc", "starting_after")).isEqualTo(new EventId("resp_abc", 12));
        assertThat(EventId.parse("resp_abc:3", "resp_abc", "starting_after")).isEqualTo(new EventId("resp_abc", 3));
    }

    @Test
    void anotherStreamsIdOrNoNumberIsA400NamingTheParameter() {
        for (String[] bad : new String[][] {{"resp_other:3", "resp_abc"}, {"12", null}, {"resp_abc:x", "resp_abc"},
                {"resp_abc:-2", "resp_abc"}}) {
            assertThatThrownBy(() -> EventId.parse(bad[0], bad[1], "starting_after"))
                    .isInstanceOfSatisfying(OpenAiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.param()).isEqualTo("starting_after");
                    });
        }
    }
}
