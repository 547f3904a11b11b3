package dev.parley.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import dev.parley.testkit.gguf.TinyLlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyLlamaModelTest {

    @TempDir
    Path tmp;

    @Test
    void loadsInLlamaCppAndGenerates() throws Exception {
        Path file = TinyLlamaModel.write(tmp.resolve("tiny.gguf"), 42);
        assertThat(Files.size(file)).isBetween(50_000L, 2_000_000L);

        LlamaModel model = new LlamaModel(new ModelParameters().setModel(file.toString()).setCtxSize(512)
                .setThreads(1).disableLog());
        int[] tokens = model.encode("hello world");
        // Newlines and non-ASCII text go through byte fallback (a missing byte token aborts llama.cpp).
        int[] other = model.encode("line one\nünïcode ✓ <|im_start|>");
        String text = model.complete(new InferenceParameters("hello world").setNPredict(64).setTemperature(1f)
                .setSeed(7));

        assertThat(tokens).isNotEmpty();
        assertThat(model.decode(tokens)).contains("hello world");
        assertThat(other.length).isGreaterThan(20);
        assertThat(text).doesNotContain("\uFFFD");
        // Written metadata reads back: 2 (K,V) x 2 layers x 1 KV head x 32 dims x 2 bytes (F16) per token.
        var metadata = dev.parley.models.GgufMetadata.read(file);
        assertThat(metadata.architecture()).isEqualTo("llama");
        assertThat(metadata.kvBytesPerToken(2.0)).isEqualTo(256.0);
    }
}
