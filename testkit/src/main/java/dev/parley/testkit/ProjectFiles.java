package dev.parley.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the Parley repository from a test, whichever module directory it runs in. */
public final class ProjectFiles {

    private ProjectFiles() {
    }

    /** The repository root: the nearest directory above the working directory holding {@code mvnw} and a README. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw")) && Files.exists(dir.resolve("README.md"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the Parley repository: " + Path.of("").toAbsolutePath());
    }

    /** A path relative to the repository root. */
    public static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
