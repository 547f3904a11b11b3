package dev.parley.bench.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The processor a figure was measured on ({@code model name} in /proc/cpuinfo, plus whether it has AVX-512): CPU
 * results differ by processor kind, so every report names it.
 */
final class CpuModel {

    private CpuModel() {
    }

    static String name() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
            boolean avx512 = lines.stream().anyMatch(l -> l.startsWith("flags") && l.contains(" avx512f"));
            return model + (avx512 ? " (AVX-512)" : " (no AVX-512)");
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
