package dev.parley.worker.engine.cpp;

/**
 * An engine size that the settings may leave open, for the device llama.cpp registers to choose at load
 * ({@link DeviceDefaults}): on a GPU it is set for the GPU, on the CPU it keeps the CPU default the configuration
 * already holds.
 */
public enum DeviceSized {
    /** Sequences decoded together. */
    SLOTS("slots"),
    /** {@code n_batch}. */
    BATCH("batch-size"),
    /** {@code n_ubatch}. */
    MICRO_BATCH("micro-batch-size"),
    /** Prompt tokens one step computes. */
    PREFILL_CHUNK("prefill-chunk"),
    /** Host RAM for KV snapshots. */
    SNAPSHOT_BYTES("kv-snapshot-bytes");

    private final String setting;

    DeviceSized(String setting) {
        this.setting = setting;
    }

    /** The setting that gives this size, for the log. */
    public String setting() {
        return setting;
    }
}
