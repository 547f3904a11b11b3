package dev.parley.worker.config;

import java.util.List;

/** The configuration has errors; the message lists each, naming where it came from, the key and the bad value. */
public class SettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public SettingsException(List<String> problems) {
        super("invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
