package dev.parley.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.validation.PromptDecoder;
import dev.parley.schemas.validation.WireSchema;
import dev.parley.schemas.codec.WireJson;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Twenty thousand mutants of the valid vectors: the decoder answers every one, never throws, and explains refusals. */
class PromptDecoderFuzzTest {

    @Test
    void everyMutantIsAcceptedAsValidOrRejectedWithAReason() {
        PromptDecoder decoder = new PromptDecoder(4096);
        WireSchema schema = WireSchema.load(WireSchema.PROMPT_V1);
        PromptMutator mutator = new PromptMutator(20261128L, TestVectors.locate().validPrompts());
        Map<String, Integer> outcomes = new HashMap<>();

        for (int i = 0; i < 20_000; i++) {
            PromptMutator.Mutant mutant = mutator.next(i, 50, 4);
            PromptDecoder.Result result = decoder.decode(mutant.key(), mutant.value());

            if (result instanceof PromptDecoder.Accepted accepted) {
                // What is accepted re-validates and keeps its key.
                assertThat(schema.validate(WireJson.mapper().readTree(WireJson.toBytes(accepted.prompt())))).isEmpty();
                assertThat(accepted.prompt().conversationId()).isEqualTo(mutant.key());
                outcomes.merge("accepted", 1, Integer::sum);
            } else {
                var rejection = ((PromptDecoder.Rejected) result).rejection();
                assertThat(rejection.reason()).as(mutant.mutation()).isNotBlank();
                if (rejection.field() != null) {
                    assertThat(rejection.reason()).as(mutant.mutation()).contains(rejection.field());
                }
                outcomes.merge(rejection.code().wireName(), 1, Integer::sum);
            }
        }

        assertThat(outcomes.get("accepted")).isBetween(1000, 15000);
        assertThat(outcomes).containsKeys("invalid_json", "schema_violation", "invalid_utf8", "key_mismatch");
    }
}
