package dev.parley.worker.models;

import dev.parley.worker.intake.TopicProvisioner;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the models topic when it is missing: one partition (a few records per worker), compacted so each worker's
 * latest announcement stays, and deleted after a day so announcements of workers that are long gone do not pile up
 * (live workers renew theirs far more often).
 */
public final class ModelsTopic {

    static final long RETENTION_MS = TimeUnit.DAYS.toMillis(1);
    private static final long TIMEOUT_SECONDS = 60;

    private ModelsTopic() {
    }

    public static void ensure(Admin admin, String topic, short replication) {
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (existing.contains(topic)) {
                return;
            }
            NewTopic created = new NewTopic(topic, Optional.of(1),
                    replication < 0 ? Optional.empty() : Optional.of(replication))
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                            TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                            TopicConfig.RETENTION_MS_CONFIG, Long.toString(RETENTION_MS)));
            try {
                admin.createTopics(java.util.List.of(created)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                return;
            }
            // The announcer writes at once: wait until the leader serves the partition (see awaitServed).
            TopicProvisioner.awaitServed(admin, java.util.List.of(topic), 1);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the models topic " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the models topic " + topic, e);
        }
    }
}
