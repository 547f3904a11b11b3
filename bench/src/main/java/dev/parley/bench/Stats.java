package dev.parley.bench;

import java.util.Arrays;

/** Percentiles by nearest rank. */
public final class Stats {

    private Stats() {
    }

    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public static double median(double[] values) {
        return percentile(values, 50);
    }
}
