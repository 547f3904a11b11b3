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
 *   <li>{@link #AUTO}: on when the model's layers are on a GPU, off on the CPU, where the logits are in host memory
 *   already and there is no copy to spare.</li>
 * </ul>
 */
public enum DeviceSamplingMode {
    AUTO, ON, OFF;

    /** {@code auto}, {@code on} or {@code off}. */
    public static DeviceSamplingMode parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "on" -> ON;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("device-sampling must be auto, on or off, got " + text);
        };
    }

    /** Whether to sample on the device, given whether the model's layers are on a GPU. */
    boolean resolve(boolean modelOnGpu) {
        return this == ON || (this == AUTO && modelOnGpu);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
