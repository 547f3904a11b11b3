package dev.parley.cli;

import dev.parley.client.ParleyClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How the client commands ({@code chat}, {@code batch}) reach a running Parley. */
final class ClientOptions {

    @Option(names = "--bootstrap", defaultValue = "${env:PARLEY_BOOTSTRAP}",
            description = "Kafka bootstrap servers (env PARLEY_BOOTSTRAP, as printed by 'parley dev')")
    String bootstrap;

    @Option(names = "--prompts-topic", defaultValue = "${env:PARLEY_PROMPTS_TOPIC:-parley.prompts}",
            description = "Default ${DEFAULT-VALUE}")
    String promptsTopic;

    @Option(names = "--replies-topic", defaultValue = "${env:PARLEY_REPLIES_TOPIC:-parley.replies}",
            description = "Default ${DEFAULT-VALUE}")
    String repliesTopic;

    @Option(names = "--models-topic", defaultValue = "${env:PARLEY_MODELS_TOPIC:-parley.models}",
            description = "Where workers announce the models they serve; read when a prompt names a model. Default ${DEFAULT-VALUE}")
    String modelsTopic;

    @Option(names = "--kafka", paramLabel = "KEY=VALUE", description = "Kafka client property, repeatable")
    Map<String, String> kafka = new LinkedHashMap<>();

    ParleyClient client(Duration replyTimeout) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("--bootstrap is required (or set PARLEY_BOOTSTRAP; 'parley dev' prints it)");
        }
        ParleyClient.Builder builder = ParleyClient.builder().bootstrapServers(bootstrap)
                .promptsTopic(promptsTopic).repliesTopic(repliesTopic).modelsTopic(modelsTopic)
                .replyTimeout(replyTimeout);
        kafka.forEach(builder::kafkaProperty);
        return builder.build();
    }
}
