package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.validation.WireSchema;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelAnnouncementVectorsTest {

    private static final WireSchema SCHEMA = WireSchema.load(WireSchema.MODEL_ANNOUNCEMENT_V1);

    static List<TestVectors.Valid> valid() {
        return TestVectors.locate().validModelAnnouncements();
    }

    static List<TestVectors.Invalid> invalid() {
        return TestVectors.locate().invalidModelAnnouncements();
    }

    @ParameterizedTest
    @MethodSource("valid")
    void validAnnouncementValidatesAndRoundTrips(TestVectors.Valid vector) {
        assertThat(SCHEMA.validate(WireJson.mapper().readTree(vector.bytes()))).isEmpty();

        ModelAnnouncement announcement = WireJson.fromBytes(vector.bytes(), ModelAnnouncement.class);

        assertThat(WireJson.fromBytes(WireJson.toBytes(announcement), ModelAnnouncement.class)).isEqualTo(announcement);
        assertThat(SCHEMA.validate(WireJson.mapper().readTree(WireJson.toBytes(announcement)))).isEmpty();
        assertThat(announcement.key()).isEqualTo(announcement.model() + "/" + announcement.worker());
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidAnnouncementFailsNamingTheField(TestVectors.Invalid vector) {
        assertThat(SCHEMA.validate(WireJson.mapper().readTree(vector.bytes())))
                .anySatisfy(v -> assertThat(v.message()).contains(vector.field()));
    }

    @Test
    void anAnnouncementCountsUntilItExpires() {
        Instant at = Instant.parse("2026-12-04T08:00:00Z");
        ModelAnnouncement announcement = new ModelAnnouncement("tiny", "parley.prompts.tiny", "parley-workers.tiny",
                "w-1", null, 2, at, at.plusSeconds(300));

        assertThat(announcement.liveAt(at.plusSeconds(299))).isTrue();
        assertThat(announcement.liveAt(at.plusSeconds(300))).isFalse();
    }

    @Test
    void aPromptNamingAModelRoundTripsAndOneWithoutLeavesTheFieldOut() {
        Prompt plain = Prompt.of("r-1", "c-1", "hi");
        Prompt named = plain.withModel("tiny");

        assertThat(WireJson.toString(plain)).doesNotContain("model");
        assertThat(WireJson.fromString(WireJson.toString(named), Prompt.class)).isEqualTo(named);
        assertThat(named.model()).isEqualTo("tiny");
    }
}
