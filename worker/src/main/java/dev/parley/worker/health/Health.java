package dev.parley.worker.health;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The worker's health at one moment: healthy when every watched part lives and, while busy, made progress within
 * the stall timeout.
 *
 * @param parts each part's state, in the order they are watched
 */
public record Health(List<PartHealth> parts) {

    /** One part's state. */
    public record PartHealth(String name, boolean healthy, String problem) {
    }

    public Health {
        parts = List.copyOf(parts);
    }

    public boolean healthy() {
        return parts.stream().allMatch(PartHealth::healthy);
    }

    /** What is wrong, as "part: problem" joined, or "" when healthy. */
    public String problems() {
        return parts.stream().filter(p -> !p.healthy()).map(p -> p.name() + ": " + p.problem())
                .collect(Collectors.joining("; "));
    }
}
