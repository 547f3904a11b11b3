package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.parley.schemas.ChatMessage;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.DiskTierStats;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.llama.KvCacheType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk KV tier on the real model: a conversation written to disk by one engine and continued by a new one (as
 * after a restart) answers token for token as an uninterrupted one; a spilled conversation comes back from disk in the
 * same engine; truncated, corrupted and foreign files are ignored, counted and the turn is computed from history; the
 * files never exceed their budget.
 */
@ExtendWith(ParleyInfraExtension.class)
class NativeEngineDiskTest {

    private static final Sampling GREEDY = Sampling.greedy(24);
    private static final String SYSTEM = "You are a concise assistant.";
    private static final String FIRST = "Name three colours of the rainbow.";
    private static final String SECOND = "Which of them is the warmest?";
    private static final Duration QUIET = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static NativeEngine engine(Path model, Path dir, long ramBytes, long diskBytes, KvCacheType cacheType) {
        return NativeEngine.load(NativeEngineConfig.forModel(model, EngineExtension.libraries()).withSlots(1)
                        .withContextPerSlot(1024).withSnapshotBytes(ramBytes).withCacheType(cacheType),
                new DiskTierConfig(dir, diskBytes));
    }

    private NativeEngine engine(TestModels models) {
        return engine(models.real(), dir, 256L << 20, 1L << 30, KvCacheType.F16);
    }

    private static Generation turn(NativeEngine engine, String conversation, List<Exchange> history, String message) {
        Transcript transcript = new Transcript(SYSTEM, history, List.of(ChatMessage.user(message)));
        return engine.generate(new GenerationRequest(conversation, transcript, GREEDY, null), TokenListener.NONE);
    }

    private static Exchange exchange(String message, Generation answer) {
        return new Exchange(List.of(ChatMessage.user(message), ChatMessage.assistant(answer.text())));
    }

    /** The uninterrupted second turn, on an engine without a disk tier. */
    private static Generation[] uninterrupted(TestModels models) {
        try (NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(),
                EngineExtension.libraries()).withSlots(1).withContextPerSlot(1024))) {
            Generation a1 = turn(engine, "uninterrupted", List.of(), FIRST);
            Generation a2 = turn(engine, "uninterrupted", List.of(exchange(FIRST, a1)), SECOND);
            assertThat(a2.tier()).isEqualTo(KvTier.IN_PLACE);
            return new Generation[] {a1, a2};
        }
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".kv")).toList();
        }
    }

    @Test
    void aConversationRestoredFromDiskAfterARestartContinuesExactlyAsAnUninterruptedOne(TestModels models) {
        Generation[] expected = uninterrupted(models);
        Generation b1;
        try (NativeEngine before = engine(models)) {
            b1 = turn(before, "restored", List.of(), FIRST);
        } // close writes the sequence to disk
        try (NativeEngine after = engine(models)) {
            assertThat(after.diskTierStats().files()).isEqualTo(1);
            Generation b2 = turn(after, "restored", List.of(exchange(FIRST, b1)), SECOND);

            assertThat(b1.text()).isEqualTo(expected[0].text());
            assertThat(b2.tier()).as("%s", b2).isEqualTo(KvTier.DISK);
            assertThat(b2.diskTokens()).isEqualTo(b2.cachedTokens()).isEqualTo(expected[1].cachedTokens()).isPositive();
            assertThat(b2.restoredTokens()).isZero();
            assertThat(b2.text()).isEqualTo(expected[1].text()).isNotEmpty();
            assertThat(b2.completionTokens()).isEqualTo(expected[1].completionTokens());
            assertThat(after.diskTierStats().restored()).isEqualTo(1);
            assertThat(after.kvCacheStats().snapshotsRestored()).isZero();
        }
    }

    @Test
    void withoutRamSnapshotsAnEvictedConversationComesBackFromDiskInTheSameEngine(TestModels models) {
        Generation[] expected = uninterrupted(models);
        try (NativeEngine engine = engine(models.real(), dir, 0, 1L << 30, KvCacheType.F16)) {
            Generation b1 = turn(engine, "spilled", List.of(), FIRST);
            turn(engine, "someone-else", List.of(), "What is the capital of France?"); // takes the only sequence
            await().atMost(QUIET).until(() -> engine.diskTierStats().saved() >= 1);
            Generation b2 = turn(engine, "spilled", List.of(exchange(FIRST, b1)), SECOND);

            assertThat(b2.tier()).as("%s", b2).isEqualTo(KvTier.DISK);
            assertThat(b2.text()).isEqualTo(expected[1].text());
            assertThat(engine.kvCacheStats().snapshotsSaved()).isZero();
        }
    }

    @Test
    void aCorruptedFileIsIgnoredCountedAndTheTurnComputedFromHistory(TestModels models) throws IOException {
        Generation b1;
        try (NativeEngine before = engine(models)) {
            b1 = turn(before, "corrupted", List.of(), FIRST);
        }
        Path file = snapshotFiles().get(0);
        try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
            long middle = bytes.length() / 2; // inside the KV state: the header still reads well
            bytes.seek(middle);
            int value = bytes.read();
            bytes.seek(middle);
            bytes.write(value ^ 0x5a);
        }
        try (NativeEngine after = engine(models)) {
            assertThat(after.diskTierStats().files()).as("the header is intact, so it is indexed").isEqualTo(1);
            Generation b2 = turn(after, "corrupted", List.of(exchange(FIRST, b1)), SECOND);
            // A prefill of the whole history batches its tokens differently from a continuation, so its greedy
            // answer is compared with another prefill of the same history, not with the uninterrupted one.
            Generation recomputed = turn(after, "never-on-disk", List.of(exchange(FIRST, b1)), SECOND);

            assertThat(b2.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(b2.diskTokens()).isZero();
            assertThat(recomputed.tier()).isEqualTo(KvTier.PREFILL);
            assertThat(b2.text()).isEqualTo(recomputed.text());
            DiskTierStats stats = after.diskTierStats();
            assertThat(stats.corrupt()).isEqualTo(1);
            assertThat(stats.restored()).isZero();
        }
    }

    @Test
    void aTruncatedFileIsIgnoredAtStart(TestModels models) throws IOException {
        Generation b1;
        try (NativeEngine before = engine(models)) {
            b1 = turn(before, "truncated", List.of(), FIRST);
        }
        Path file = snapshotFiles().get(0);
        try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
            bytes.setLength(bytes.length() - 1000); // a write cut short, renamed anyway
        }
        Files.writeString(dir.resolve(file.getFileName() + ".tmp"), "half a write");
        try (NativeEngine after = engine(models)) {
            assertThat(after.diskTierStats().corrupt()).isEqualTo(1);
            assertThat(after.diskTierStats().files()).isZero();
            assertThat(dir.resolve(file.getFileName() + ".tmp")).doesNotExist();
            Generation b2 = turn(after, "truncated", List.of(exchange(FIRST, b1)), SECOND);
            assertThat(b2.tier()).isEqualTo(KvTier.PREFILL);
        }
    }

    @Test
    void filesOfAnotherKvCacheTypeOrModelAreNeverRestored(TestModels models) {
        Generation b1;
        try (NativeEngine f16 = engine(models)) {
            b1 = turn(f16, "foreign", List.of(), FIRST);
        }
        try (NativeEngine q8 = engine(models.real(), dir, 256L << 20, 1L << 30, KvCacheType.Q8_0)) {
            assertThat(q8.diskTierStats().foreign()).isEqualTo(1);
            Generation b2 = turn(q8, "foreign", List.of(exchange(FIRST, b1)), SECOND);
            assertThat(b2.tier()).isEqualTo(KvTier.PREFILL);
        } // writes its own (Q8_0) file
        try (NativeEngine tiny = engine(models.tiny(), dir, 256L << 20, 1L << 30, KvCacheType.F16)) {
            assertThat(tiny.diskTierStats().foreign()).isEqualTo(1);
            assertThat(tiny.diskTierStats().files()).isZero();
            Generation c = turn(tiny, "foreign", List.of(exchange(FIRST, b1)), SECOND);
            assertThat(c.tier()).isEqualTo(KvTier.PREFILL);
        }
    }

    @Test
    void aSecondEngineCannotTakeADirectoryInUse(TestModels models) {
        try (NativeEngine first = engine(models)) {
            assertThatThrownBy(() -> engine(models)).hasMessageContaining("held by another worker");
            assertThat(first.isAlive()).isTrue();
        }
    }

    @Test
    void snapshotFilesNeverExceedTheirBudget(TestModels models) throws Exception {
        long oneFile;
        try (NativeEngine probe = engine(models)) {
            turn(probe, "probe", List.of(), "Hello there, how are you today?");
        }
        oneFile = Files.size(snapshotFiles().get(0));
        Files.delete(snapshotFiles().get(0));
        long budget = oneFile * 5 / 2; // two files and a half
        AtomicLong largest = new AtomicLong();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                largest.accumulateAndGet(directoryBytes(dir), Math::max);
                LockSupport.parkNanos(200_000); // sampling, not waiting: a file is written over milliseconds
            }
        }, "disk-budget-watcher");
        watcher.start();
        try (NativeEngine engine = engine(models.real(), dir, 0, budget, KvCacheType.F16)) {
            for (int i = 0; i < 6; i++) {
                turn(engine, "c" + i, List.of(), "Hello there, how are you today?");
                int evicted = i;
                await().atMost(QUIET).until(() -> engine.diskTierStats().saved() >= evicted);
                assertThat(engine.diskTierStats().bytes()).isLessThanOrEqualTo(budget);
            }
            // the last one is written once the engine is idle; then nothing is left to write
            await().atMost(QUIET).until(() -> engine.diskTierStats().saved() >= 6);
            DiskTierStats stats = engine.diskTierStats();
            assertThat(stats.files()).isEqualTo(2);
            assertThat(stats.dropped()).isEqualTo(stats.saved() - 2);
            assertThat(stats.budgetBytes()).isEqualTo(budget);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertThat(largest.get()).as("bytes in the directory, watched throughout").isPositive()
                .isLessThanOrEqualTo(budget);
        assertThat(snapshotFiles()).hasSize(2);
    }

    private static long directoryBytes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().equals(".lock")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // renamed or deleted meanwhile
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
