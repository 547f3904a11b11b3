package dev.parley.bench.decode;

import dev.parley.schemas.hostile.Draw;
import dev.parley.schemas.hostile.HostilePrompts;
import dev.parley.schemas.validation.PromptDecoder;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley bench decode}: how long the worker's poll thread may spend decoding one record. Runs
 * {@code PromptDecoder} (the worker's, grammar building included) over the worst inputs known, each up to
 * {@code max-prompt-bytes}, and over prompts from the property tests' hostile generators, and prints the worst and
 * median time per case. Needs no model, broker or Redis.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Worst-case PromptDecoder time per hostile input (colliding-name schemas, deep nesting, huge "
                + "arrays, generated prompts), each up to max-prompt-bytes.")
public final class DecodeBenchCommand implements Callable<Integer> {

    @Option(names = "--max-prompt-bytes", defaultValue = "1048576",
            description = "the worker's max-prompt-bytes; inputs grow to it (default ${DEFAULT-VALUE})")
    int maxPromptBytes;

    @Option(names = "--repeat", defaultValue = "7", description = "timed decodes per case, after two untimed "
            + "(default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--generated", defaultValue = "3000",
            description = "prompts from the hostile generators (default ${DEFAULT-VALUE})")
    int generated;

    @Option(names = "--seed", defaultValue = "20261207", description = "generators' seed (default ${DEFAULT-VALUE})")
    long seed;

    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DecodeBenchCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PromptDecoder decoder = new PromptDecoder(maxPromptBytes);
        console.printf(Locale.ROOT, "decode bench: max-prompt-bytes %d, %d cores, java %s, %d timed runs per case%n",
                maxPromptBytes, Runtime.getRuntime().availableProcessors(), Runtime.version(), repeat);
        console.printf(Locale.ROOT, "  %-32s %9s  %-36s %9s %9s%n", "case", "bytes", "outcome", "worst ms", "median ms");
        double worstOfAll = 0;
        for (DecodeCases.Case c : DecodeCases.all(maxPromptBytes)) {
            worstOfAll = Math.max(worstOfAll, report(decoder, c.name(), c.key(), c.value()));
        }
        worstOfAll = Math.max(worstOfAll, generated(decoder));
        console.printf(Locale.ROOT, "worst decode of any input: %.2f ms%n", worstOfAll);
        return 0;
    }

    private double report(PromptDecoder decoder, String name, String key, byte[] value) {
        String outcome = outcome(decoder.decode(key, value));
        decoder.decode(key, value);
        double[] millis = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            millis[i] = time(decoder, key, value);
        }
        Arrays.sort(millis);
        console.printf(Locale.ROOT, "  %-32s %9d  %-36s %9.2f %9.2f%n", name, value.length, outcome,
                millis[repeat - 1], millis[repeat / 2]);
        return millis[repeat - 1];
    }

    /** Decodes generated prompts once each (after a warm-up pass) and reports the slowest. */
    private double generated(PromptDecoder decoder) {
        Draw draw = Draw.seeded(seed);
        HostilePrompts.Record[] records = new HostilePrompts.Record[generated];
        for (int i = 0; i < generated; i++) {
            records[i] = i % 50 == 49 ? HostilePrompts.oversized(draw, draw.between(30, 100_000),
                    draw.between(1_000, 200_000)) : HostilePrompts.prompt(draw);
        }
        for (HostilePrompts.Record r : records) {
            decoder.decode(r.key(), r.value());
        }
        double worst = 0;
        HostilePrompts.Record slowest = records[0];
        double[] all = new double[generated];
        for (int i = 0; i < generated; i++) {
            all[i] = time(decoder, records[i].key(), records[i].value());
            if (all[i] > worst) {
                worst = all[i];
                slowest = records[i];
            }
        }
        Arrays.sort(all);
        console.printf(Locale.ROOT, "  %-32s %9d  %-36s %9.2f %9.2f%n", "generated-" + generated + " (slowest)",
                slowest.value().length, outcome(decoder.decode(slowest.key(), slowest.value())), worst,
                all[generated / 2]);
        return worst;
    }

    private static double time(PromptDecoder decoder, String key, byte[] value) {
        long start = System.nanoTime();
        decoder.decode(key, value);
        return (System.nanoTime() - start) / 1e6;
    }

    private static String outcome(PromptDecoder.Result result) {
        if (result instanceof PromptDecoder.Accepted accepted) {
            String gbnf = accepted.grammar().gbnf();
            return "accepted" + (gbnf == null ? "" : String.format(Locale.ROOT, " (grammar %d KiB)", gbnf.length() / 1024));
        }
        var rejection = ((PromptDecoder.Rejected) result).rejection();
        String why = rejection.reason().contains("over the maximum of") ? " (schema bytes)"
                : rejection.reason().contains("grammar rules") ? " (rules)"
                : rejection.reason().contains("would exceed") ? " (grammar bytes)" : "";
        return rejection.code().wireName() + why;
    }
}
