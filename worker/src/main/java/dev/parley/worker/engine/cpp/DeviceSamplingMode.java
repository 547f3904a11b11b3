package dev.parley.worker.engine.cpp;

import java.util.Locale;

/**
 * Where the native engine samples the jobs whose sampling llama.cpp's backend samplers can do wholly (all but grammar
 * jobs, see {@link DeviceSampling}).
 *
 * <ul>
 *   <li>{@link #ON}: on the device that computes the model's output, inside the decode: the host reads one token per
 *   sequence instead of its row of logits.</li>
 *   <li>{@link #OFF}: on the host, from the logits llama.cpp copies back (the engine's argmax in parallel for plain
 *   greedy, llama.cpp's sampler chain otherwise).</li>
 *   <li>{@link #SAMPLED}: on the device for the turns that need more than the most likely token (temperature,
 *   top-k/top-p/min-p, penalties, logit bias); plain greedy turns take the host's argmax. Measured on an H100
 *   (docs/benchmarks-gpu.md run 7): a sampled turn is twice as fast on the device, a plain greedy one 30-40 % slower,
 *   because the sampler ops lengthen the graph while the host's parallel argmax over the copied logits is cheap.</li>
 *   <li>{@link #AUTO}: {@link #SAMPLED} when the model's layers are on a GPU, {@link #OFF} on the CPU, where the logits
 *   are in host memory already and there is no copy to spare.</li>
 * </ul>
 */
public enum DeviceSamplingMode {
    AUTO, ON, SAMPLED, OFF;

    /** {@code auto}, {@code on}, {@code sampled} or {@code off}. */
    public static DeviceSamplingMode parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "on" -> ON;
            case "sampled" -> SAMPLED;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException(
                    "device-sampling must be auto, on, sampled or off, got " + text);
        };
    }

    /** What this mode means for an engine, given whether the model's layers are on a GPU: never {@link #AUTO}. */
    DeviceSamplingMode resolve(boolean modelOnGpu) {
        if (this != AUTO) {
            return this;
        }
        return modelOnGpu ? SAMPLED : OFF;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
