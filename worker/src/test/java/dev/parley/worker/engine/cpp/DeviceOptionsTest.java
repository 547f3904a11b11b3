package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.worker.config.Setting;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device options: how they parse, what they reject, and where they put the layers. */
class DeviceOptionsTest {

    private static final NativeEngineConfig BASE = NativeEngineConfig.forModel(Path.of("m.gguf"), Path.of("lib"));
    private static final LoadedLlama TWO_GPUS = new LoadedLlama(null, null, Path.of("lib"), "0.5.0", List.of("CUDA", "CPU"),
            List.of(new GpuDevice(0, "CUDA0", "NVIDIA H200", 1L << 37, 1L << 37),
                    new GpuDevice(1, "CUDA1", "NVIDIA H200", 1L << 37, 1L << 37)));

    @Test
    void gpuLayersAreAllByDefaultOrACount() {
        assertThat(Setting.GPU_LAYERS.defaultValue()).isEqualTo("all");
        assertThat(Setting.GPU_LAYERS.parse("all")).isEqualTo(-1);
        assertThat(Setting.GPU_LAYERS.parse("ALL")).isEqualTo(-1);
        assertThat(Setting.GPU_LAYERS.parse("12")).isEqualTo(12);
        assertThatThrownBy(() -> Setting.GPU_LAYERS.parse("-2")).hasMessageContaining("all or >= 0");
        assertThat(Setting.GPU.parse("CUDA")).isEqualTo("cuda");
        assertThatThrownBy(() -> Setting.GPU.parse("rocm")).hasMessageContaining("must be one of");
        assertThatThrownBy(() -> Setting.GPU_DEVICE.parse("-1")).hasMessageContaining(">= 0");
    }

    @Test
    void deviceSamplingIsOnForSampledTurnsWithAModelOnAGpuUnlessSetOtherwise() {
        assertThat(BASE.deviceSampling()).isEqualTo(DeviceSamplingMode.AUTO);
        assertThat(Setting.DEVICE_SAMPLING.parse("ON")).isEqualTo("on");
        assertThat(Setting.DEVICE_SAMPLING.parse("sampled")).isEqualTo("sampled");
        assertThatThrownBy(() -> Setting.DEVICE_SAMPLING.parse("gpu")).hasMessageContaining("must be one of");
        assertThat(DeviceSamplingMode.parse("auto").resolve(true)).isEqualTo(DeviceSamplingMode.SAMPLED);
        assertThat(DeviceSamplingMode.parse("auto").resolve(false)).isEqualTo(DeviceSamplingMode.OFF);
        assertThat(DeviceSamplingMode.parse("on").resolve(false)).isEqualTo(DeviceSamplingMode.ON);
        assertThat(DeviceSamplingMode.parse("sampled").resolve(true)).isEqualTo(DeviceSamplingMode.SAMPLED);
        assertThat(DeviceSamplingMode.parse("off").resolve(true)).isEqualTo(DeviceSamplingMode.OFF);
        assertThat(BASE.withDeviceSampling(DeviceSamplingMode.OFF).withSlots(8).deviceSampling())
                .isEqualTo(DeviceSamplingMode.OFF);
        assertThatThrownBy(() -> DeviceSamplingMode.parse("maybe")).hasMessageContaining("auto, on, sampled or off");
    }

    @Test
    void batchAndMicroBatchAreChecked() {
        NativeEngineConfig gpu = BASE.withSlots(64).withBatch(2048, 512);
        assertThat(gpu.batchTokens()).isEqualTo(2048);
        assertThat(gpu.microBatchTokens()).isEqualTo(512);
        assertThatThrownBy(() -> BASE.withBatch(512, 1024)).hasMessageContaining("micro-batch-size must be in [1, batch-size = 512]");
        assertThatThrownBy(() -> BASE.withSlots(64).withBatch(64, 64)).hasMessageContaining("batch tokens must exceed slots");
        assertThatThrownBy(() -> BASE.withGpu(-2, -1, false)).hasMessageContaining("gpu-layers must be all");
        assertThatThrownBy(() -> BASE.withGpu(-1, -2, false)).hasMessageContaining("gpu-device must be >= 0");
    }

    @Test
    void allLayersGoToTheGpusOrToTheOneNamed() {
        LlamaLib.ModelParams split = new LlamaLib.ModelParams();
        GpuPlacement.of(BASE.withGpu(-1, -1, true), TWO_GPUS).applyTo(split);
        assertThat(split.n_gpu_layers).isEqualTo(-1);
        assertThat(split.split_mode).isZero(); // untouched: llama.cpp's default from llama_model_default_params

        LlamaLib.ModelParams second = new LlamaLib.ModelParams();
        second.split_mode = 1;
        GpuPlacement placement = GpuPlacement.of(BASE.withGpu(-1, 1, true), TWO_GPUS);
        placement.applyTo(second);
        assertThat(second.split_mode).isZero(); // LLAMA_SPLIT_MODE_NONE: the whole model on main_gpu
        assertThat(second.main_gpu).isEqualTo(1);
        assertThat(placement.toString()).isEqualTo("all layers on CUDA1");

        assertThatThrownBy(() -> GpuPlacement.of(BASE.withGpu(-1, 2, true), TWO_GPUS))
                .hasMessageContaining("gpu-device 2 does not exist: llama.cpp sees 2 GPU(s)");
        assertThat(GpuPlacement.of(BASE.withGpu(20, -1, false), TWO_GPUS).toString())
                .isEqualTo("20 layers on 2 GPUs (split by layer)");
    }
}
