package dev.parley.worker.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Resolves settings from, in rising precedence: defaults, a properties file, {@code PARLEY_*} environment variables,
 * command-line flags, and overrides set by the program (the addresses of an embedded stack). Every problem is
 * collected and reported at once, naming its source, key and value.
 */
public final class SettingsLoader {

    /** Environment variable naming a properties file. */
    public static final String CONFIG_ENV = "PARLEY_CONFIG";

    private final Map<Setting, String> raw = new EnumMap<>(Setting.class);
    private final Map<Setting, String> origin = new EnumMap<>(Setting.class);
    private final Map<String, String> kafka = new LinkedHashMap<>();
    private final Map<RedisOption, String> redis = new EnumMap<>(RedisOption.class);
    private final List<String> problems = new ArrayList<>();

    public SettingsLoader() {
        for (Setting setting : Setting.values()) {
            if (setting.defaultValue() != null) {
                raw.put(setting, setting.defaultValue());
                origin.put(setting, "default");
            }
        }
    }

    /** Reads a properties file: setting keys, {@code kafka.*} and {@code redis.*}. */
    public SettingsLoader file(Path file) {
        if (file == null) {
            return this;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            problems.add("cannot read configuration file " + file + ": " + e.getMessage());
            return this;
        }
        String source = file.getFileName().toString();
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            if (key.startsWith("kafka.")) {
                kafka.put(key.substring("kafka.".length()), value);
            } else if (key.startsWith("redis.")) {
                redisOption(source, key.substring("redis.".length()), value);
            } else {
                setting(source, key, value);
            }
        }
        return this;
    }

    /** Reads {@code PARLEY_<SETTING>}, {@code PARLEY_KAFKA_<PROPERTY>} and {@code PARLEY_REDIS_<OPTION>}. */
    public SettingsLoader environment(Map<String, String> env) {
        for (Setting setting : Setting.values()) {
            String value = env.get(setting.envVar());
            if (value != null && !value.isBlank()) {
                put(setting, value, setting.envVar());
            }
        }
        for (RedisOption option : RedisOption.values()) {
            String value = env.get(option.envVar());
            if (value != null && !value.isBlank()) {
                redis.put(option, value);
            }
        }
        env.forEach((name, value) -> {
            if (name.startsWith("PARLEY_KAFKA_") && name.length() > "PARLEY_KAFKA_".length()) {
                // PARLEY_KAFKA_SECURITY_PROTOCOL=SSL -> security.protocol=SSL (Kafka property names use dots only)
                kafka.put(name.substring("PARLEY_KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return this;
    }

    /** Flags given on the command line, by setting key (without the dashes). */
    public SettingsLoader flags(Map<String, String> flags) {
        flags.forEach((key, value) -> setting("--" + key, key, value));
        return this;
    }

    /** Kafka properties from {@code --kafka key=value}. */
    public SettingsLoader kafkaFlags(Map<String, String> properties) {
        kafka.putAll(properties);
        return this;
    }

    /** Redis options from {@code --redis-option key=value}. */
    public SettingsLoader redisFlags(Map<String, String> options) {
        options.forEach((key, value) -> redisOption("--redis-option", key, value));
        return this;
    }

    /** A value set by the program itself, over everything else. */
    public SettingsLoader override(Setting setting, String value) {
        put(setting, value, "program");
        return this;
    }

    /** Validates everything and returns the settings, or throws listing every problem. */
    public Settings load() {
        Map<Setting, Object> values = new EnumMap<>(Setting.class);
        List<String> all = new ArrayList<>(problems);
        for (Setting setting : Setting.values()) {
            String value = raw.get(setting);
            if (value == null) {
                continue;
            }
            try {
                values.put(setting, setting.parse(value));
            } catch (IllegalArgumentException e) {
                all.add(origin.get(setting) + ": " + setting.key() + "='" + masked(value) + "' " + e.getMessage());
            }
        }
        for (Setting required : Setting.REQUIRED) {
            if (!values.containsKey(required) && !raw.containsKey(required)) {
                all.add(required.key() + " is required: give " + required.flag() + ", " + required.envVar()
                        + " or '" + required.key() + "=' in the configuration file");
            }
        }
        if (!all.isEmpty()) {
            throw new SettingsException(all);
        }
        return new Settings(values, kafka, redis);
    }

    private void setting(String source, String key, String value) {
        Setting setting = Setting.byKey(key);
        if (setting == null) {
            problems.add(source + ": unknown setting '" + key + "'" + suggestion(key));
            return;
        }
        put(setting, value, source);
    }

    private void redisOption(String source, String key, String value) {
        RedisOption option = RedisOption.byKey(key);
        if (option == null) {
            problems.add(source + ": unknown Redis option '" + key + "' (known: user, password, database, ssl, "
                    + "truststore, truststore-password, connect-timeout, socket-timeout)");
            return;
        }
        redis.put(option, value);
    }

    private void put(Setting setting, String value, String source) {
        raw.put(setting, value);
        origin.put(setting, source);
    }

    /** Hides credentials in a URI-like value ({@code redis://user:secret@host} shows as {@code redis://***@host}). */
    static String masked(String value) {
        return value.replaceAll("//[^/@\\s]*@", "//***@");
    }

    private static String suggestion(String key) {
        Setting best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Setting setting : Setting.values()) {
            int distance = distance(key, setting.key());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = setting;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best.key() + "'?)" : "";
    }

    /** Levenshtein distance, for "did you mean". */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
