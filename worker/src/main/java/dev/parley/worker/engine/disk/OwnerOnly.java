package dev.parley.worker.engine.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Snapshot files hold every conversation's token ids in the clear (audit L13): they and their directory are created
 * readable by the worker's own user only, whatever the umask, where the file system knows POSIX permissions.
 */
final class OwnerOnly {

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final FileAttribute<Set<PosixFilePermission>> FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private OwnerOnly() {
    }

    /** Creates the directory (and missing parents) for the owner only; an existing one keeps its permissions. */
    static void createDirectories(Path dir) throws IOException {
        if (POSIX) {
            Files.createDirectories(dir, DIRECTORY);
        } else {
            Files.createDirectories(dir);
        }
    }

    /** Opens a file that is created readable and writable by the owner only. */
    static FileChannel open(Path file, Set<? extends OpenOption> options) throws IOException {
        return POSIX ? FileChannel.open(file, options, FILE) : FileChannel.open(file, options);
    }
}
