package dev.parley.worker.config;

import dev.parley.worker.metrics.ParleyMeter;

/**
 * Renders the configuration and metrics references as Markdown tables from the code's own lists. The docs embed
 * them between markers, and a test fails when they differ, so the docs cannot drift.
 */
public final class ReferenceTables {

    private ReferenceTables() {
    }

    public static String settings() {
        StringBuilder table = new StringBuilder("| key (file) | flag | environment | default | values | meaning |\n"
                + "|---|---|---|---|---|---|\n");
        for (Setting s : Setting.values()) {
            table.append("| `").append(s.key()).append("` | `").append(s.flag()).append("` | `").append(s.envVar())
                    .append("` | ").append(s.defaultValue() == null ? "" : "`" + s.defaultValue() + "`")
                    .append(" | ").append(s.valueDescription()).append(" | ").append(s.description()).append(" |\n");
        }
        return table.toString();
    }

    public static String redisOptions() {
        StringBuilder table = new StringBuilder("| key (file: `redis.<key>`) | environment | meaning |\n|---|---|---|\n");
        for (RedisOption o : RedisOption.values()) {
            table.append("| `").append(o.key()).append("` | `").append(o.envVar()).append("` | ")
                    .append(o.description()).append(" |\n");
        }
        return table.toString();
    }

    public static String meters() {
        StringBuilder table = new StringBuilder("| meter | type | base unit | tags | Prometheus name | meaning |\n"
                + "|---|---|---|---|---|---|\n");
        for (ParleyMeter m : ParleyMeter.values()) {
            table.append("| `").append(m.meterName()).append("` | ").append(m.type().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(m.baseUnit() == null ? "" : m.baseUnit())
                    .append(" | ").append(String.join(", ", m.tags()))
                    .append(" | `").append(m.prometheusName()).append("` | ").append(m.description()).append(" |\n");
        }
        return table.toString();
    }

    /** Prints the tables, to paste into the docs after changing a setting or a meter. */
    public static void main(String[] args) {
        System.out.println(settings());
        System.out.println(redisOptions());
        System.out.println(meters());
    }
}
