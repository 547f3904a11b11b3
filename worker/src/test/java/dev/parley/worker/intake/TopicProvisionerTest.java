package dev.parley.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Topics the provisioner created take writes as soon as it returns. Kafka 4.4's broker publishes a new partition's
 * leader to its metadata before its replica manager serves the partition; a produce in that window fails with
 * NOT_LEADER_OR_FOLLOWER, and an idempotent producer whose later batch lands first then retries the earlier one with
 * OUT_OF_ORDER_SEQUENCE_NUMBER until it expires (KAFKA-15591, fixed in 4.5). This is how FuzzThroughWorkerTest lost a
 * record; the worker's own producers write to topics it has just created too.
 */
@ExtendWith(ParleyInfraExtension.class)
class TopicProvisionerTest {

    private static final int TOPICS = 12;
    private static final int PARTITIONS = 8;

    @Test
    void everyPartitionTakesAWriteWithoutARetryOnceTheTopicsAreCreated(ParleyInfra infra) throws Exception {
        String prefix = "prov" + UUID.randomUUID().toString().substring(0, 8);
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < TOPICS; i++) {
            topics.add(prefix + ".t" + i);
        }
        // No retries and no idempotence: a write that reaches a partition its leader does not serve yet fails here
        // instead of being retried past the window.
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infra.bootstrapServers()));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.<String, Object>of(
                     "bootstrap.servers", infra.bootstrapServers(), "retries", 0, "enable.idempotence", false,
                     "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
            TopicProvisioner.ensure(admin, topics, PARTITIONS, (short) -1);
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (String topic : topics) {
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    sends.add(producer.send(new ProducerRecord<>(topic, partition, null, new byte[] {1})));
                }
            }
            List<String> refused = new ArrayList<>();
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get();
                } catch (ExecutionException e) {
                    refused.add(e.getCause().toString());
                }
            }
            assertThat(refused).as("writes refused right after the topics were created").isEmpty();
        }
    }
}
