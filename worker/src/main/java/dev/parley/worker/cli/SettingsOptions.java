package dev.parley.worker.cli;

import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import dev.parley.worker.config.SettingsLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives a command one flag per {@link Setting} (plus {@code --config}, {@code --kafka} and {@code --redis-option}),
 * generated from the setting list so flags, environment variables, the properties file and the docs cannot drift
 * apart; then resolves them with {@link SettingsLoader}.
 */
public final class SettingsOptions {

    private static final String MIXIN = "settings";

    private SettingsOptions() {
    }

    /** Adds the settings' flags to a command. */
    public static CommandLine install(CommandLine commandLine) {
        CommandSpec mixin = CommandSpec.create();
        mixin.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(String.class)
                .description("Properties file with settings (env " + SettingsLoader.CONFIG_ENV + ")").build());
        for (Setting setting : Setting.values()) {
            String defaults = setting.defaultValue() == null ? "" : "; default " + setting.defaultValue();
            mixin.addOption(OptionSpec.builder(setting.flag()).paramLabel("<" + setting.key() + ">").type(String.class)
                    .description(setting.description() + " (env " + setting.envVar() + defaults + ")").build());
        }
        mixin.addOption(OptionSpec.builder("--kafka").paramLabel("KEY=VALUE").type(Map.class)
                .auxiliaryTypes(String.class, String.class)
                .description("Kafka client property for every client, repeatable (env PARLEY_KAFKA_<KEY>)").build());
        mixin.addOption(OptionSpec.builder("--redis-option").paramLabel("KEY=VALUE").type(Map.class)
                .auxiliaryTypes(String.class, String.class)
                .description("Redis option: user, password, database, ssl, truststore, truststore-password, "
                        + "connect-timeout, socket-timeout (env PARLEY_REDIS_<KEY>)").build());
        commandLine.getCommandSpec().addMixin(MIXIN, mixin);
        return commandLine;
    }

    /**
     * Resolves defaults, the properties file, the environment, the flags given and {@code overrides}, in rising
     * precedence.
     */
    public static Settings resolve(CommandSpec spec, Map<String, String> env, Map<Setting, String> overrides) {
        CommandSpec mixin = spec.mixins().get(MIXIN);
        if (mixin == null) {
            throw new IllegalStateException("command " + spec.name() + " has no settings options installed");
        }
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();
        Map<String, String> redis = new LinkedHashMap<>();
        String configFile = env.get(SettingsLoader.CONFIG_ENV);
        for (OptionSpec option : mixin.options()) {
            Object value = option.getValue();
            if (value == null) {
                continue;
            }
            String name = option.longestName();
            switch (name) {
                case "--config" -> configFile = (String) value;
                case "--kafka" -> kafka.putAll(stringMap(value));
                case "--redis-option" -> redis.putAll(stringMap(value));
                default -> flags.put(name.substring(2), (String) value);
            }
        }
        SettingsLoader loader = new SettingsLoader()
                .file(configFile == null || configFile.isBlank() ? null : Path.of(configFile))
                .environment(env)
                .flags(flags)
                .kafkaFlags(kafka)
                .redisFlags(redis);
        overrides.forEach(loader::override);
        return loader.load();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> stringMap(Object value) {
        return (Map<String, String>) value;
    }
}
