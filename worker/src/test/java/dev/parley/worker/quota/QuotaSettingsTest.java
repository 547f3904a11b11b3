package dev.parley.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaSettingsTest {

    @Test
    void parsesTenantsWithLimitsAndUnlimitedKinds() {
        Map<String, QuotaLimit> tenants = QuotaSettings.parseTenants(" acme=60000/20000, batch.co:eu=unlimited/500 ,");

        assertThat(tenants).containsExactly(Map.entry("acme", new QuotaLimit(60000, 20000)),
                Map.entry("batch.co:eu", new QuotaLimit(0, 500)));
    }

    @Test
    void refusesBadEntriesNamingThem() {
        assertThatThrownBy(() -> QuotaSettings.parseTenants("acme")).hasMessageContaining("'acme'");
        assertThatThrownBy(() -> QuotaSettings.parseTenants("acme=100")).hasMessageContaining("PROMPT/COMPLETION");
        assertThatThrownBy(() -> QuotaSettings.parseTenants("acme=0/5")).hasMessageContaining("'0'");
        assertThatThrownBy(() -> QuotaSettings.parseTenants("acme=1/x")).hasMessageContaining("'x'");
        assertThatThrownBy(() -> QuotaSettings.parseTenants("a b=1/1")).hasMessageContaining("'a b'");
        assertThatThrownBy(() -> QuotaSettings.parseTenants("a=1/1,a=2/2")).hasMessageContaining("twice");
    }

    @Test
    void listedTenantsHaveTheirOwnOthersTheDefaultAndPromptsWithoutTenantNone() {
        QuotaSettings settings = new QuotaSettings(Map.of("acme", new QuotaLimit(10, 5),
                "vip", QuotaLimit.UNLIMITED), new QuotaLimit(100, 50));

        assertThat(settings.limitFor("acme")).isEqualTo(new QuotaLimit(10, 5));
        assertThat(settings.limitFor("vip").limits()).isFalse();
        assertThat(settings.limitFor("someone")).isEqualTo(new QuotaLimit(100, 50));
        assertThat(settings.limitFor(null).limits()).isFalse();
        assertThat(settings.active()).isTrue();
        assertThat(QuotaSettings.NONE.active()).isFalse();
    }

    @Test
    void meterTagsNameOnlyConfiguredTenants() {
        QuotaSettings settings = new QuotaSettings(Map.of("acme", new QuotaLimit(10, 5)), new QuotaLimit(100, 50));

        assertThat(settings.tag("acme")).isEqualTo("acme");
        assertThat(settings.tag("made-up-" + System.nanoTime())).isEqualTo("other");
        assertThat(settings.tag(null)).isEqualTo("other");
    }
}
