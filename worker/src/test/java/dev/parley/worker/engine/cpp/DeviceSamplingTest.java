package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.OutputValidator;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.Sampling.Penalties;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Sampling on the device (llama.cpp's backend samplers, here on the CPU backend) against sampling on the host, on the
 * real small model: greedy answers are token for token the same, with and without the default repeat penalty; a
 * seeded draw gives the same answer every run; grammar jobs sampled on the host run in the same steps as
 * device-sampled ones. More conversations than sequences, so sequences pass from one job's chain to the next.
 */
@ExtendWith(ParleyInfraExtension.class)
class DeviceSamplingTest {

    private static final int SLOTS = 4;
    private static final List<String> QUESTIONS = List.of("What is the capital of France?",
            "Name three colours of the rainbow.", "Why is the sky blue?", "Write a haiku about the sea.",
            "What do bees make?");

    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private static final Logger deviceLog = (Logger) LoggerFactory.getLogger(DeviceSampling.class);
    private static final ExecutorService turns = Executors.newFixedThreadPool(2 * SLOTS);
    private static final AtomicInteger conversations = new AtomicInteger();
    private static NativeEngine onDevice;
    private static NativeEngine onHost;
    private static NativeEngine sampledOnly;

    @BeforeAll
    static void load(TestModels models) {
        logs.start();
        deviceLog.addAppender(logs);
        onHost = NativeEngine.load(config(models, DeviceSamplingMode.OFF));
        onDevice = NativeEngine.load(config(models, DeviceSamplingMode.ON));
        sampledOnly = NativeEngine.load(config(models, DeviceSamplingMode.SAMPLED));
    }

    @AfterAll
    static void close() {
        turns.shutdownNow();
        deviceLog.detachAppender(logs);
        if (onDevice != null) {
            onDevice.close();
        }
        if (onHost != null) {
            onHost.close();
        }
        if (sampledOnly != null) {
            sampledOnly.close();
        }
    }

    private static NativeEngineConfig config(TestModels models, DeviceSamplingMode mode) {
        return NativeEngineConfig.forModel(models.real(), EngineExtension.libraries()).withSlots(SLOTS)
                .withContextPerSlot(1024).withSnapshotBytes(0).withDeviceSampling(mode);
    }

    @Test
    void greedyAnswersAreTheSameOnTheDeviceAsOnTheHost() {
        for (Penalties penalties : List.of(Penalties.OFF, Penalties.DEFAULT)) {
            Sampling greedy = new Sampling(24, 0.0, null, null, 0L, List.of()).withPenalties(penalties);
            List<Generation> host = answerAll(onHost, greedy);
            List<Generation> device = answerAll(onDevice, greedy);
            for (int i = 0; i < QUESTIONS.size(); i++) {
                assertThat(device.get(i).text()).as("%s with penalties %s", QUESTIONS.get(i), penalties)
                        .isEqualTo(host.get(i).text());
                assertThat(device.get(i).completionTokens()).isEqualTo(host.get(i).completionTokens())
                        .isGreaterThan(5);
            }
        }
        assertThat(lines()).as("the device engine attached chains; the host engine none")
                .filteredOn(line -> line.startsWith("Sampling on the device (on)")).hasSize(1);
        assertThat(lines()).as("llama.cpp ran every chain wholly on the device")
                .noneMatch(line -> line.contains("cannot run a sampler chain"));
    }

    @Test
    void aSeededDrawOnTheDeviceGivesTheSameAnswerEveryRun() {
        List<Sampling> seeded = new ArrayList<>();
        for (int i = 0; i < QUESTIONS.size(); i++) {
            seeded.add(new Sampling(24, 0.9, 0.95, null, 1000L + i, List.of()));
        }
        List<Generation> first = answerAll(onDevice, seeded);
        List<Generation> second = answerAll(onDevice, seeded);
        List<Generation> greedy = answerAll(onDevice, new Sampling(24, 0.0, null, null, 0L, List.of()));
        for (int i = 0; i < QUESTIONS.size(); i++) {
            assertThat(second.get(i).text()).as(QUESTIONS.get(i)).isEqualTo(first.get(i).text()).isNotBlank();
        }
        assertThat(first).as("a draw, not the argmax").extracting(Generation::text)
                .isNotEqualTo(greedy.stream().map(Generation::text).toList());
    }

    @Test
    void inSampledModePlainGreedyTurnsStayOnTheHostAndDrawsGoToTheDevice() {
        // plain greedy: no penalty either (a repeat penalty is sampled on the device in this mode)
        Sampling greedy = new Sampling(16, 0.0, null, null, 0L, List.of()).withPenalties(Penalties.OFF);
        List<Generation> host = answerAll(onHost, greedy);
        assertThat(answerAll(sampledOnly, greedy)).extracting(Generation::text)
                .isEqualTo(host.stream().map(Generation::text).toList());
        assertThat(lines()).as("no chain attached for plain greedy turns")
                .noneMatch(line -> line.startsWith("Sampling on the device (sampled)"));
        List<Sampling> seeded = new ArrayList<>();
        for (int i = 0; i < QUESTIONS.size(); i++) {
            seeded.add(new Sampling(16, 0.9, 0.95, null, 2000L + i, List.of()));
        }
        List<Generation> device = answerAll(onDevice, seeded);
        List<Generation> sampled = answerAll(sampledOnly, seeded);
        assertThat(lines()).as("the seeded draws attached their chains")
                .filteredOn(line -> line.startsWith("Sampling on the device (sampled)")).hasSize(1);
        assertThat(sampled).as("the same device chains draw the same tokens").extracting(Generation::text)
                .isEqualTo(device.stream().map(Generation::text).toList());
    }

    @Test
    void grammarJobsSampledOnTheHostShareStepsWithDeviceSampledOnes() {
        ResponseFormat person = ResponseFormat.jsonSchema("person", WireJson.mapper().readTree("""
                {"type": "object", "additionalProperties": false, "required": ["name", "age"],
                 "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}}}"""));
        Sampling json = Sampling.greedy(64).withGrammar(grammar(person));
        Sampling free = Sampling.greedy(24);
        List<Generation> alone = answerAll(onHost, free);
        // Two of each at once: every step decodes grammar jobs (whose micro-batch llama.cpp copies logits for)
        // beside device-sampled ones; a text arriving while the other kind is still running shows they overlapped.
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<CompletableFuture<Generation>> mixed = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            boolean grammarJob = i % 2 == 0;
            mixed.add(answer(onDevice, grammarJob ? "Describe a person called Ann as JSON." : QUESTIONS.get(i),
                    grammarJob ? json : free, running, overlaps));
        }
        for (int i = 0; i < SLOTS; i++) {
            Generation answer = mixed.get(i).join();
            if (i % 2 == 0) {
                assertThat(answer.finishReason()).as(answer.text()).isEqualTo(FinishReason.STOP);
                assertThat(OutputValidator.of(person).problem(answer.text())).as(answer.text()).isEmpty();
            } else {
                assertThat(answer.text()).isEqualTo(alone.get(i).text());
            }
        }
        assertThat(overlaps.get()).as("texts that arrived while all four jobs ran").isPositive();
    }

    private static List<Generation> answerAll(NativeEngine engine, Sampling sampling) {
        return answerAll(engine, QUESTIONS.stream().map(q -> sampling).toList());
    }

    /** Every question at once, each its own new conversation, answers in the order of the questions. */
    private static List<Generation> answerAll(NativeEngine engine, List<Sampling> samplings) {
        List<CompletableFuture<Generation>> answers = new ArrayList<>();
        for (int i = 0; i < QUESTIONS.size(); i++) {
            answers.add(answer(engine, QUESTIONS.get(i), samplings.get(i), null, null));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /**
     * One turn of a new conversation. With {@code running} given (the turns under way), {@code overlaps} counts the
     * texts that arrive while all {@link #SLOTS} are.
     */
    private static CompletableFuture<Generation> answer(NativeEngine engine, String question, Sampling sampling,
                                                        AtomicInteger running, AtomicInteger overlaps) {
        TokenListener listener = running == null ? TokenListener.NONE : text -> {
            if (running.get() == SLOTS) {
                overlaps.incrementAndGet();
            }
        };
        GenerationRequest request = new GenerationRequest("device-" + conversations.incrementAndGet(),
                new Transcript(null, List.of(), List.of(ChatMessage.user(question))), sampling, null);
        return CompletableFuture.supplyAsync(() -> {
            if (running != null) {
                running.incrementAndGet();
            }
            try {
                return engine.generate(request, listener);
            } finally {
                if (running != null) {
                    running.decrementAndGet();
                }
            }
        }, turns);
    }

    private static List<String> lines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static String grammar(ResponseFormat format) {
        try {
            return JsonSchemaGrammar.forFormat(format, "$");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
