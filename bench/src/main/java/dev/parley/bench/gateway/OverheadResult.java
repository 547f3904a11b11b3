package dev.parley.bench.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Both paths' rounds together, and the report: added latency at p50/p99, throughput ratio. */
final class OverheadResult {

    private final List<Double> sdk = new ArrayList<>();
    private final List<Double> gateway = new ArrayList<>();
    private double sdkSeconds;
    private double gatewaySeconds;

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
        return text.toString();
    }
}
