package dev.parley.worker.models;

import dev.parley.models.KnownModels;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Names under which a worker serves its model: what prompts put in {@code $.model}, what the worker announces, and
 * what its replies report. The same characters as a Kafka topic name, because a model with its own topic has the name
 * in the topic's.
 */
public final class ModelNames {

    /** The pattern of {@code $.model} in {@code prompt.v1.json}. */
    public static final Pattern VALID = Pattern.compile("[a-zA-Z0-9._-]{1,128}");

    private ModelNames() {
    }

    /** Returns {@code name}, or throws naming the setting and the value when prompts could not name it. */
    public static String require(String setting, String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException(setting + " must be 1-128 letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        return name;
    }

    /**
     * The default name for a {@code --model} value: a known model's name as typed ({@code smollm2-135m}), else the
     * model file's name without {@code .gguf}, with characters a prompt could not name replaced by {@code -}.
     *
     * @param modelSetting the {@code --model} value as typed
     * @param file         the file it resolved to
     */
    public static String derive(String modelSetting, Path file) {
        String typed = modelSetting.strip();
        if (KnownModels.byName(typed) != null) {
            return typed;
        }
        return sanitize(file.getFileName().toString().replaceFirst("(?i)\\.gguf$", ""));
    }

    /** {@code raw} with every character outside the name pattern replaced by {@code -}, cut to 128 characters. */
    public static String sanitize(String raw) {
        String name = raw.replaceAll("[^a-zA-Z0-9._-]", "-");
        if (name.isEmpty()) {
            return "model";
        }
        return name.length() > 128 ? name.substring(0, 128) : name;
    }
}
