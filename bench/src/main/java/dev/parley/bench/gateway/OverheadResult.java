package dev.parley.bench.gateway;

import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Both paths' rounds together, and the report: added latency at p50/p99, throughput ratio. */
final class OverheadResult {

    private final List<Double> sdk = new ArrayList<>();
    private final List<Double> gateway = new ArrayList<>();
    private double sdkSeconds;
    private double gatewaySeconds;
    private HistogramSnapshot ownTime;

    /** The gateway's own measure of its time per request (everything but the wait for the pool). */
    void gatewayOwnTime(HistogramSnapshot snapshot) {
        this.ownTime = snapshot;
    }

    private double ownPercentile(double p) {
        for (ValueAtPercentile value : ownTime.percentileValues()) {
            if (Math.abs(value.percentile() - p) < 1e-9) {
                return value.value(TimeUnit.MILLISECONDS);
            }
        }
        return Double.NaN;
    }

    void addSdk(OverheadRun.Round round) {
        sdk.addAll(round.latenciesMs());
        sdkSeconds += round.wallSeconds();
    }

    void addGateway(OverheadRun.Round round) {
        gateway.addAll(round.latenciesMs());
        gatewaySeconds += round.wallSeconds();
    }

    static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    String report(String setting) {
        double sdkRate = sdk.size() / sdkSeconds;
        double gatewayRate = gateway.size() / gatewaySeconds;
        StringBuilder text = new StringBuilder();
        text.append("## Gateway overhead\n\n").append(setting).append("\n\n");
        text.append("| path | requests | p50 ms | p99 ms | requests/s |\n|---|---|---|---|---|\n");
        text.append(String.format(Locale.ROOT, "| SDK | %d | %.1f | %.1f | %.1f |%n", sdk.size(), percentile(sdk, 50),
                percentile(sdk, 99), sdkRate));
        text.append(String.format(Locale.ROOT, "| gateway (HTTP) | %d | %.1f | %.1f | %.1f |%n", gateway.size(),
                percentile(gateway, 50), percentile(gateway, 99), gatewayRate));
        text.append(String.format(Locale.ROOT, "%nAdded latency: p50 %+.1f ms, p99 %+.1f ms. Throughput ratio "
                        + "(gateway / SDK): %.3f.%n", percentile(gateway, 50) - percentile(sdk, 50),
                percentile(gateway, 99) - percentile(sdk, 99), gatewayRate / sdkRate));
        if (ownTime != null) {
            text.append(String.format(Locale.ROOT, "The gateway's own time per request (parse, map, render, write; "
                            + "not the wait for the pool), measured inside it over %d requests: p50 %.2f ms, p99 %.2f ms.%n",
                    ownTime.count(), ownPercentile(0.5), ownPercentile(0.99)));
        }
        return text.toString();
    }
}
