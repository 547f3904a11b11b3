package dev.parley.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.TokenListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * A worker that fails part-way through starting closes what it had built: its Kafka producers, admin client and
 * chunk sender leave no thread behind. The prompts consumer is refused (an assignor class that does not exist) after
 * the history store, both producers, the chunk sender and the admin client were made. Nothing needs to be reachable:
 * every part built before the consumer connects lazily.
 */
class WorkerStartFailureTest {

    /** An engine that is never asked to generate: the worker fails before it takes a prompt. */
    private static final InferenceEngine IDLE_ENGINE = new InferenceEngine() {
        @Override
        public EngineInfo info() {
            return new EngineInfo("idle", 2, 512);
        }

        @Override
        public Generation generate(GenerationRequest request, TokenListener listener) {
            throw new EngineException("not expected to generate");
        }

        @Override
        public void close() {
        }
    };

    @Test
    void aFailureAfterThePartsBeforeItClosesThem() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        WorkerConfig config = WorkerConfig.builder()
                .bootstrapServers("127.0.0.1:9")   // nothing listens: producers and admin connect lazily
                .redisUri("redis://127.0.0.1:9")
                .workerId("failing-start")
                .createTopics(false)
                .kafka("partition.assignment.strategy", "dev.parley.NoSuchAssignor")
                .build();

        assertThatThrownBy(() -> Worker.start(config, IDLE_ENGINE, new SimpleMeterRegistry()))
                .isInstanceOf(KafkaException.class)
                .hasStackTraceContaining("NoSuchAssignor");

        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !before.contains(thread) && thread.isAlive())
                .map(Thread::getName)
                .filter(name -> name.startsWith("kafka-") || name.startsWith("parley-"))
                .collect(Collectors.toList());
        assertThat(left).as("threads of the parts built before the failure").isEmpty();
    }
}
