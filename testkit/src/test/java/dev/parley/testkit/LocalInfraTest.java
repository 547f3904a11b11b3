package dev.parley.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.kafka.KafkaBroker;
import dev.parley.testkit.redis.RedisServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class LocalInfraTest {

    @Test
    void brokerKeepsDataAcrossARestart() throws Exception {
        try (KafkaBroker broker = KafkaBroker.launch()) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("kit-test", 2, (short) 1))).all().get();
            }
            produce(broker.bootstrapServers(), "before");

            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            broker.start();
            produce(broker.bootstrapServers(), "after");

            assertThat(consumeAll(broker.bootstrapServers())).containsExactly("before", "after");
        }
    }

    @Test
    void redisAnswersAndComesBackOnTheSamePort() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            assertThat(ping(redis.port(), null)).isEqualTo("+PONG");
            redis.stop();
            assertThat(redis.isRunning()).isFalse();
            redis.start();
            assertThat(ping(redis.port(), null)).isEqualTo("+PONG");
        }
    }

    @Test
    void redisWithPasswordRejectsAnonymousClients() throws Exception {
        try (RedisServer redis = RedisServer.launch("s3cret")) {
            assertThat(redis.uri()).isEqualTo("redis://:s3cret@127.0.0.1:" + redis.port());
            assertThat(ping(redis.port(), null)).startsWith("-NOAUTH");
            assertThat(ping(redis.port(), "s3cret")).isEqualTo("+PONG");
        }
    }

    private static void produce(String bootstrap, String value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("kit-test", 0, "k", value)).get();
        }
    }

    private static List<String> consumeAll(String bootstrap) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition("kit-test", 0);
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            java.util.ArrayList<String> values = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 15_000;
            while (values.size() < 2 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                records.forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }

    private static String ping(int port, String password) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (password != null) {
                out.write(("AUTH " + password + "\r\n").getBytes(StandardCharsets.UTF_8));
                readLine(in);
            }
            out.write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            return readLine(in);
        }
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
