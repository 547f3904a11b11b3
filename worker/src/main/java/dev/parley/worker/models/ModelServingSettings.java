package dev.parley.worker.models;

import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import java.nio.file.Path;

/** Reads a worker's {@link ModelServing} from its settings. */
public final class ModelServingSettings {

    private ModelServingSettings() {
    }

    /**
     * @param settings  the worker's settings
     * @param modelFile the file {@code --model} resolved to (names the model when {@code --model-name} is not set)
     */
    public static ModelServing from(Settings settings, Path modelFile) {
        String name = settings.has(Setting.MODEL_NAME) ? settings.text(Setting.MODEL_NAME)
                : ModelNames.derive(settings.text(Setting.MODEL), modelFile);
        return new ModelServing(name, ModelServing.Topic.parse(settings.text(Setting.MODEL_TOPIC)),
                settings.text(Setting.MODELS_TOPIC), settings.duration(Setting.MODEL_ANNOUNCE_INTERVAL),
                settings.duration(Setting.MODEL_LOAD_INTERVAL));
    }
}
