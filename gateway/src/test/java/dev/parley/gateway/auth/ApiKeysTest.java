package dev.parley.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.OpenAiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void keysAndDigestsMapToTenants() {
        ApiKeys keys = ApiKeys.parse(List.of("# comment", "", "alpha=sk-a", "beta=sha256:" + ApiKeys.digest("sk-b")));

        assertThat(keys.authenticate("Bearer sk-a")).isEqualTo(new Tenant("alpha"));
        assertThat(keys.authenticate("bearer sk-b")).isEqualTo(new Tenant("beta"));
        assertThatThrownBy(() -> keys.authenticate("Bearer sk-c"))
                .isInstanceOfSatisfying(OpenAiException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> keys.authenticate(null))
                .isInstanceOfSatisfying(OpenAiException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(ApiKeys.fromEnv("alpha=sk-a,beta=sk-b").authenticate("Bearer sk-b").name()).isEqualTo("beta");
    }

    @Test
    void badEntriesAreRefusedNamingTheLine() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("alpha=sk-a", "nokey"))).hasMessageContaining("entry 2");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("al pha=sk"))).hasMessageContaining("tenant name");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("a=sha256:xyz"))).hasMessageContaining("64 hex");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("# none"))).hasMessageContaining("no API keys");
    }

    @Test
    void oneKeyForTwoTenantsIsRefusedNamingTheTenantsNotTheKey() {
        // audit L6: the second tenant silently took the key over
        assertThatThrownBy(() -> ApiKeys.parse(List.of("alpha=sk-shared", "beta=sha256:" + ApiKeys.digest("sk-shared"))))
                .hasMessageContaining("entry 2").hasMessageContaining("alpha").hasMessageContaining("beta")
                .hasMessageNotContaining("sk-shared");
        assertThat(ApiKeys.parse(List.of("alpha=sk-a", "alpha=sk-a")).authenticate("Bearer sk-a").name())
                .as("the same key twice for one tenant is harmless").isEqualTo("alpha");
    }

    @Test
    void openAcceptsAnythingAsItsTenant() {
        ApiKeys open = ApiKeys.open(new Tenant("dev"));
        assertThat(open.required()).isFalse();
        assertThat(open.authenticate(null).name()).isEqualTo("dev");
    }
}
