package dev.parley.worker.engine.disk;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.DiskTierStats;
import dev.parley.worker.engine.KvCacheListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversations' KV snapshots as files in one directory, bounded in bytes (least recently used deleted first), written
 * and read on two threads of their own so the engine thread never waits on the disk. Crash-safe: a file is written
 * under a temporary name, forced to the device and renamed, so a crash leaves the previous file or the new one, never
 * half of one; a file that is truncated, fails its checksum or carries another {@link KvFingerprint} is never loaded
 * (it is counted and deleted). At start the index is rebuilt from the directory.
 */
public final class DiskKvStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DiskKvStore.class);
    private static final String SUFFIX = ".kv";
    private static final String TEMP_SUFFIX = ".kv.tmp";
    private static final long CLOSE_WAIT_SECONDS = 60;

    private final Path dir;
    private final KvFingerprint fingerprint;
    private final DiskIndex index;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final long maxPendingBytes;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(named("parley-kv-disk-writer"));
    private final ExecutorService reader = Executors.newSingleThreadExecutor(named("parley-kv-disk-reader"));
    private final List<KvCacheListener> listeners;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong saved = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final AtomicLong writtenBytes = new AtomicLong();
    private final AtomicLong readBytes = new AtomicLong();
    private volatile boolean closed;

    private DiskKvStore(DiskTierConfig config, KvFingerprint fingerprint, FileChannel lockChannel, FileLock lock,
                        List<KvCacheListener> listeners) {
        this.dir = config.dir();
        this.fingerprint = fingerprint;
        this.index = new DiskIndex(config.budgetBytes());
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.listeners = listeners;
        // Snapshots waiting for the writer hold native memory; past this the engine keeps them in RAM only.
        this.maxPendingBytes = Math.min(config.budgetBytes(), 512L << 20);
    }

    /**
     * Opens (creating) the directory, takes its lock and indexes the files this fingerprint can restore.
     *
     * @param listeners told of each file written or read (on the writer and reader threads)
     * @throws IllegalStateException when another worker holds the directory
     */
    public static DiskKvStore open(DiskTierConfig config, KvFingerprint fingerprint, List<KvCacheListener> listeners) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("the disk tier is off: " + config);
        }
        FileChannel channel = null;
        try {
            OwnerOnly.createDirectories(config.dir());
            channel = OwnerOnly.open(config.dir().resolve(".lock"), java.util.Set.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE));
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw new IllegalStateException("kv-disk-dir " + config.dir() + " is held by another worker; give "
                        + "each worker a directory of its own");
            }
            DiskKvStore store = new DiskKvStore(config, fingerprint, channel, lock, listeners);
            store.rebuildIndex();
            return store;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot open kv-disk-dir " + config.dir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by this process
        }
    }

    /** Indexes the files that this fingerprint can restore, most recently written last; deletes the others. */
    private void rebuildIndex() throws IOException {
        record Found(DiskIndex.Entry entry, long modified) {
        }
        List<Found> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(TEMP_SUFFIX)) {
                    Files.deleteIfExists(file); // a write cut short by a crash
                } else if (name.endsWith(SUFFIX)) {
                    DiskIndex.Entry entry = indexEntry(file);
                    if (entry != null) {
                        found.add(new Found(entry, Files.getLastModifiedTime(file).toMillis()));
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(Found::modified));
        for (Found each : found) {
            for (DiskIndex.Entry victim : index.add(each.entry())) {
                dropped.incrementAndGet();
                delete(victim.file());
            }
        }
        log.info("Disk KV tier in {}: {} snapshot files, {} MiB of {} MiB; ignored {} corrupt and {} foreign files",
                dir, index.count(), index.bytes() >> 20, index.budgetBytes() >> 20, corrupt.get(), foreign.get());
    }

    private DiskIndex.Entry indexEntry(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SnapshotFile.Header header = SnapshotFile.readHeader(channel, fingerprint);
            if (!file.getFileName().toString().equals(fileName(header.conversationId()))) {
                throw new SnapshotFile.DefectException(SnapshotFile.Defect.CORRUPT, "named for another conversation");
            }
            return new DiskIndex.Entry(header.conversationId(), file, header.tokens(), header.fileLength());
        } catch (SnapshotFile.DefectException e) {
            ignore(file, e);
            return null;
        }
    }

    /** The tokens of the conversation's snapshot file, or null if it has none. */
    public int[] tokens(String conversationId) {
        DiskIndex.Entry entry = index.get(conversationId);
        return entry == null ? null : entry.tokens();
    }

    /**
     * Hands a snapshot to the writer thread. {@code data} must stay valid until {@code release} runs (on the writer
     * thread, once the file is written or given up); if this returns false, the write was refused (too large, the
     * writer too far behind, or closed) and {@code release} has already run.
     */
    public boolean save(String conversationId, int[] tokens, Pointer data, long size, Runnable release) {
        long fileLength = SnapshotFile.fileLength(conversationId, tokens.length, size);
        if (closed || fileLength > index.budgetBytes()) {
            dropped.incrementAndGet();
            release.run();
            return false;
        }
        if (pendingBytes.addAndGet(size) > maxPendingBytes) {
            pendingBytes.addAndGet(-size);
            dropped.incrementAndGet();
            release.run();
            return false;
        }
        try {
            writer.execute(() -> {
                try {
                    write(conversationId, tokens, data, size, fileLength);
                } finally {
                    pendingBytes.addAndGet(-size);
                    release.run();
                }
            });
            return true;
        } catch (RuntimeException e) { // rejected: closing
            pendingBytes.addAndGet(-size);
            dropped.incrementAndGet();
            release.run();
            return false;
        }
    }

    private void write(String conversationId, int[] tokens, Pointer data, long size, long fileLength) {
        long begin = System.nanoTime();
        List<DiskIndex.Entry> victims = index.reserve(fileLength);
        if (victims == null) {
            dropped.incrementAndGet();
            return;
        }
        victims.forEach(victim -> {
            dropped.incrementAndGet();
            delete(victim.file());
        });
        Path file = dir.resolve(fileName(conversationId));
        Path temp = dir.resolve(fileName(conversationId) + ".tmp");
        DiskIndex.Entry written = null;
        try {
            Files.deleteIfExists(temp);
            SnapshotFile.write(temp, fingerprint, conversationId, tokens, data, size);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory();
            written = new DiskIndex.Entry(conversationId, file, tokens, fileLength);
        } catch (IOException | RuntimeException e) {
            log.warn("Writing the KV snapshot of a conversation to {} failed; it stays warm in RAM only: {}", file,
                    e.toString());
            delete(temp);
            dropped.incrementAndGet();
        } finally {
            index.commit(written);
        }
        if (written != null) {
            long took = System.nanoTime() - begin;
            saved.incrementAndGet();
            writtenBytes.addAndGet(fileLength);
            listeners.forEach(listener -> listener.diskSaved(took, fileLength));
        }
    }

    /** The rename is durable only once the directory's entry is: force it too. */
    private void forceDirectory() throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /**
     * Reads the conversation's snapshot file on the reader thread. The future completes with the checked snapshot,
     * or with null when there is none or it cannot be used (a defective file is counted and deleted); never
     * exceptionally.
     */
    public CompletableFuture<DiskSnapshot> load(String conversationId) {
        DiskIndex.Entry entry = index.get(conversationId);
        if (entry == null || closed) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return CompletableFuture.supplyAsync(() -> read(entry), reader);
        } catch (RuntimeException e) { // rejected: closing
            return CompletableFuture.completedFuture(null);
        }
    }

    private DiskSnapshot read(DiskIndex.Entry entry) {
        long begin = System.nanoTime();
        try {
            SnapshotFile.Loaded loaded = SnapshotFile.read(entry.file(), fingerprint, entry.conversationId());
            long took = System.nanoTime() - begin;
            restored.incrementAndGet();
            readBytes.addAndGet(entry.bytes());
            listeners.forEach(listener -> listener.diskRestored(took, entry.bytes()));
            return new DiskSnapshot(entry.conversationId(), loaded.header().tokens(), loaded.data());
        } catch (SnapshotFile.DefectException e) {
            if (index.remove(entry)) {
                ignore(entry.file(), e);
            }
            return null;
        } catch (NoSuchFileException e) {
            return null; // replaced or deleted by the writer meanwhile
        } catch (IOException | RuntimeException e) {
            log.warn("Reading the KV snapshot {} failed; the turn is computed from its history: {}", entry.file(),
                    e.toString());
            return null;
        }
    }

    private void ignore(Path file, SnapshotFile.DefectException defect) {
        (defect.defect == SnapshotFile.Defect.FOREIGN ? foreign : corrupt).incrementAndGet();
        log.warn("Ignoring KV snapshot file {} ({}): {}; it is deleted", file,
                defect.defect.name().toLowerCase(java.util.Locale.ROOT), defect.getMessage());
        delete(file);
    }

    public DiskTierStats stats() {
        return new DiskTierStats(index.count(), index.bytes(), index.budgetBytes(), saved.get(), restored.get(),
                dropped.get(), corrupt.get(), foreign.get(), writtenBytes.get(), readBytes.get());
    }

    public Path dir() {
        return dir;
    }

    public KvFingerprint fingerprint() {
        return fingerprint;
    }

    /** The file name of a conversation's snapshot: a hash, since ids may hold any character. */
    static String fileName(String conversationId) {
        byte[] digest = KvFingerprint.sha256(conversationId.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 20) + SUFFIX;
    }

    /** Finishes the writes handed over (waiting a bounded time), then lets the directory go. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.shutdown();
        reader.shutdown();
        try {
            if (!writer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("KV snapshot writes still running after {} s; the rest are left undone", CLOSE_WAIT_SECONDS);
                writer.shutdownNow();
            }
            reader.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            lock.release();
        } catch (IOException e) {
            log.debug("Releasing the lock of {} failed", dir, e);
        }
        closeQuietly(lockChannel);
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot delete {}: {}", file, e.toString());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held that the process exit would not release
            }
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
