package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A step's prompt chunks evened out for llama.cpp's cache per sequence, judged by the micro-batches its rule
 * ({@link MicroBatches}, a replay of {@code split_equal}) makes of the batch the engine lays out: one token per busy
 * sequence in id order, then the rest of each chunk in id order.
 */
class ChunkLevelsTest {

    private static final int MICRO_BATCH = 512;

    /** Micro-batches of the step: {@code generating} sequences give one token each, the others their chunk. */
    private static int microBatches(boolean[] generating, int[] chunks) {
        int[] order = new int[4096];
        int size = 0;
        for (int s = 0; s < chunks.length; s++) {
            if (generating[s] || chunks[s] > 0) {
                order[size++] = s;
            }
        }
        for (int s = 0; s < chunks.length; s++) {
            for (int i = 1; i < chunks[s]; i++) {
                order[size++] = s;
            }
        }
        return new MicroBatches(order.length, chunks.length, MICRO_BATCH, false).count(order, size);
    }

    private static int[] even(int... chunks) {
        int[] evened = chunks.clone();
        ChunkLevels.even(evened, MICRO_BATCH);
        return evened;
    }

    private static int sum(int[] chunks) {
        return Arrays.stream(chunks).sum();
    }

    @Test
    void sixtyFourFairSharesThatDifferByATokenBecomeOneMicroBatchOfRests() {
        // 64 prompts sharing 1000 tokens: 40 shares of 16 and 24 of 15; a generating sequence after them
        int[] chunks = new int[65];
        boolean[] generating = new boolean[65];
        generating[64] = true;
        for (int s = 0; s < 64; s++) {
            chunks[s] = s < 40 ? 16 : 15;
        }
        assertThat(microBatches(generating, chunks)).as("as shared").isEqualTo(4);
        int[] evened = even(chunks);
        assertThat(microBatches(generating, evened)).isEqualTo(2);
        // a micro-batch holds 512: eight per prompt, less the first token
        assertThat(evened[0]).isEqualTo(8);
        assertThat(evened[63]).isEqualTo(8);
        assertThat(evened[64]).isZero();
    }

    @Test
    void promptsAloneInTheStepAreOneMicroBatch() {
        int[] chunks = new int[8];
        Arrays.fill(chunks, 0, 8, 40);
        chunks[3] = 37;
        boolean[] generating = new boolean[8];
        // 37 from each, then the two runs beside sequence 3 apart
        assertThat(microBatches(generating, chunks)).as("as shared").isEqualTo(3);
        int[] evened = even(chunks);
        assertThat(microBatches(generating, evened)).isEqualTo(1);
        assertThat(sum(evened)).isEqualTo(8 * 37);
    }

    @Test
    void firstTurnsThatEndTheirPromptsInTheStepAreNotCutShortOfTheirFirstToken() {
        // four first turns admitted together after a shared prefix, own prompts of 49, 50, 48 and 51 tokens
        int[] chunks = {49, 50, 48, 51};
        assertThat(even(chunks)).as("evened, not knowing they end").containsExactly(48, 48, 48, 48);
        boolean[] ends = {true, true, true, true};
        int[] evened = chunks.clone();
        ChunkLevels.even(evened, ends, MICRO_BATCH);
        assertThat(evened).as("each computes its last token, whose logits give its first answer token")
                .containsExactly(49, 50, 48, 51);
    }

    @Test
    void anEndingChunkIsCutToWhatOneMicroBatchHoldsButNeverLevelledDown() {
        int[] evened = {40, 40, 37, 40};
        ChunkLevels.even(evened, new boolean[] {false, true, false, false}, MICRO_BATCH);
        // sequence 1 ends its prompt and keeps its 40; the others are levelled to 37 as before
        assertThat(evened).containsExactly(37, 40, 37, 37);
        // 64 ending chunks of 16 tokens: still cut to the 8 that one micro-batch holds for each
        int[] many = new int[64];
        java.util.Arrays.fill(many, 16);
        boolean[] allEnd = new boolean[64];
        java.util.Arrays.fill(allEnd, true);
        ChunkLevels.even(many, allEnd, MICRO_BATCH);
        assertThat(many).containsOnly(8);
    }

    @Test
    void aShortPromptBesideALongOneKeepsItsWholeShare() {
        // the long prompt's 216 tokens and a returning turn's 40: evening them out would halve the long one
        boolean[] generating = {false, false, true, true};
        int[] evened = even(216, 40, 0, 0);
        assertThat(evened).containsExactly(216, 40, 0, 0);
        assertThat(microBatches(generating, evened)).isEqualTo(3);
    }

    @Test
    void aLayerThatKeepsMostTokensStaysAndWhatIsAboveItIsEvenedOut() {
        // rests 3, 15, 14, 15 in a run: the layer of 3 keeps too little, above it 12, 11, 12 even out to 11
        boolean[] generating = new boolean[5];
        generating[4] = true;
        int[] shared = {4, 16, 15, 16, 0};
        assertThat(microBatches(generating, shared)).as("as shared").isEqualTo(5);
        int[] evened = even(shared);
        assertThat(evened).containsExactly(4, 15, 15, 15, 0);
        assertThat(microBatches(generating, evened)).isEqualTo(3);
    }

    @Test
    void generatingSequencesAloneAreLeftAsTheyAre() {
        boolean[] generating = new boolean[64];
        Arrays.fill(generating, true);
        int[] evened = even(new int[64]);
        assertThat(evened).containsOnly(0);
        assertThat(microBatches(generating, evened)).isEqualTo(1);
    }

    @Test
    void runsApartAreEvenedOutEachOnItsOwn() {
        // prompts in sequences 0-1 and 3-4, a generating sequence between them
        boolean[] generating = {false, false, true, false, false};
        int[] evened = even(30, 29, 0, 100, 101);
        assertThat(evened).containsExactly(29, 29, 0, 100, 100);
        assertThat(microBatches(generating, evened)).isEqualTo(3);
        assertThat(microBatches(generating, new int[] {30, 29, 0, 100, 101})).as("as shared").isEqualTo(5);
    }

    @Test
    void aChunkIsNeverGrownAndAFirstTokenNeverTaken() {
        int[] shared = {1, 2, 9, 1, 0, 300, 7, 7, 2, 1};
        int[] evened = even(shared);
        for (int s = 0; s < shared.length; s++) {
            assertThat(evened[s]).as("sequence %d", s).isLessThanOrEqualTo(shared[s]);
            assertThat(evened[s] > 0).as("sequence %d keeps its first token", s).isEqualTo(shared[s] > 0);
        }
    }
}
