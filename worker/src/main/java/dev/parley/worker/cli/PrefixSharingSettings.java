package dev.parley.worker.cli;

import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import dev.parley.worker.config.SettingsException;
import dev.parley.worker.engine.cpp.PrefixSharing;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of shared prompt prefixes: the native engine's {@link PrefixSharing}, and a clear refusal by the java
 * engine, which has no such feature, rather than a setting silently ignored.
 */
final class PrefixSharingSettings {

    private static final List<Setting> NATIVE_ONLY = List.of(Setting.KV_PREFIX_BYTES, Setting.KV_PREFIX_MIN_TOKENS);

    private PrefixSharingSettings() {
    }

    /** What the settings ask of the native engine; the defaults where they are not set. */
    static PrefixSharing of(Settings settings) {
        long budget = settings.has(Setting.KV_PREFIX_BYTES)
                ? settings.bytes(Setting.KV_PREFIX_BYTES) : PrefixSharing.DEFAULT_BUDGET_BYTES;
        int minTokens = settings.has(Setting.KV_PREFIX_MIN_TOKENS)
                ? settings.integer(Setting.KV_PREFIX_MIN_TOKENS) : PrefixSharing.DEFAULT_MIN_TOKENS;
        return new PrefixSharing(budget, minTokens);
    }

    /** Throws naming each prefix setting given to the java engine. */
    static void refuseForJavaEngine(Settings settings) {
        List<String> problems = new ArrayList<>();
        for (Setting setting : NATIVE_ONLY) {
            if (settings.has(setting)) {
                problems.add(setting.key() + " is set, but shared prompt prefixes are a feature of the native engine "
                        + "only; the java engine would compute every prompt from its start: remove " + setting.flag()
                        + " or use --engine native");
            }
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(problems);
        }
    }
}
