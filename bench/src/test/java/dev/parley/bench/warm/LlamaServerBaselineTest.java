package dev.parley.bench.warm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * How the warm benchmark sets up llama-server and reads its answers; the comparison itself runs in
 * {@code parley bench warm --llama-server PATH} against a real server (never in CI).
 */
class LlamaServerBaselineTest {

    @Test
    void theServerGetsParleysSettingOnePerSequenceKvStreamAndTheSnapshotBudgetAsItsPromptCache() {
        List<String> command = LlamaServerProcess.command(Path.of("/opt/llama-server"), Path.of("/m/smol.gguf"), 4,
                2048, 2, "f16", 2048, 52, 8080);

        assertThat(command.get(0)).isEqualTo("/opt/llama-server");
        assertThat(String.join(" ", command)).contains("--model /m/smol.gguf", "--ctx-size 8192", "--parallel 4",
                "--no-kv-unified", "--threads 2", "--threads-batch 2", "--cache-type-k f16", "--cache-type-v f16",
                "--cache-ram 2048", "--threads-http 52", "--port 8080");
    }

    @Test
    void anAnswerGoesIntoTheTranscriptExactlyAndItsTimingsIntoTheSample() {
        ArrayNode transcript = JsonMapper.builder().build().createArrayNode();
        String body = """
                {"choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":" The crane\\n"}}],
                 "usage":{"completion_tokens":24,"prompt_tokens":1056,"total_tokens":1080},
                 "timings":{"cache_n":880,"prompt_n":176,"prompt_ms":1851.4,"predicted_n":24,"predicted_ms":1200.2}}
                """;

        WarmSample sample = LlamaServerRunner.sample(3, 2, 200, body, transcript, System.nanoTime());

        assertThat(transcript.get(0).get("role").asString()).isEqualTo("assistant");
        assertThat(transcript.get(0).get("content").asString()).isEqualTo(" The crane\n");
        assertThat(sample.promptTokens()).isEqualTo(1056);
        assertThat(sample.cachedTokens()).isEqualTo(880);
        assertThat(sample.computedTokens()).isEqualTo(176);
        assertThat(sample.restoredTokens()).isZero();
        assertThat(sample.completionTokens()).isEqualTo(24);
        assertThat(sample.firstTokenMs()).isEqualTo(1851);
        assertThat(sample.totalMs()).isEqualTo(3052);
        assertThat(sample.returning()).isTrue();
    }

    @Test
    void theRoundTripBeyondTheServersOwnTimesCountsAsQueuedAndTheClientsFirstTokenIncludesIt() {
        String body = """
                {"choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"x"}}],
                 "timings":{"cache_n":0,"prompt_n":100,"prompt_ms":800.0,"predicted_n":24,"predicted_ms":1200.0}}
                """;
        long sentFiveSecondsAgo = System.nanoTime() - 5_000_000_000L;

        WarmSample sample = LlamaServerRunner.sample(0, 1, 200, body, JsonMapper.builder().build().createArrayNode(),
                sentFiveSecondsAgo);

        assertThat(sample.queuedMs()).isBetween(3000L, 3100L);
        assertThat(sample.firstTokenMs()).isEqualTo(800);
        assertThat(sample.totalMs()).isEqualTo(sample.queuedMs() + 2000);
        assertThat(sample.clientFirstTokenMs()).isBetween(3800.0, 3900.0);
    }

    @Test
    void aFailedOrMalformedAnswerStopsTheRunWithWhatTheServerSaid() {
        ArrayNode transcript = JsonMapper.builder().build().createArrayNode();
        assertThatThrownBy(() -> LlamaServerRunner.sample(0, 0, 500, "{\"error\":\"context full\"}", transcript, 0))
                .hasMessageContaining("500").hasMessageContaining("context full");
        assertThatThrownBy(() -> LlamaServerRunner.sample(0, 0, 200, "{\"choices\":[]}", transcript, 0))
                .hasMessageContaining("no timings");
    }

    @Test
    void threadsOfAPoolCountAsOneKindAndThisProcessUsesCpu() {
        assertThat(ProcStats.kind("parley-turn-3")).isEqualTo("parley-turn");
        assertThat(ProcStats.kind("GC Thread#1")).isEqualTo("GC Thread");
        assertThat(ProcStats.kind("main")).isEqualTo("main");
        assertThat(ProcStats.kind("42")).isEqualTo("42");
        long self = ProcessHandle.current().pid();
        assertThat(ProcStats.cpuSeconds(self)).isPositive();
        assertThat(ProcStats.rssBytes(self)).isPositive();
        assertThat(ProcStats.threadCpuSeconds(self)).isNotEmpty().containsKey("VM Thread");
    }
}
