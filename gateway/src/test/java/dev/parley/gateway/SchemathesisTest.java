package dev.parley.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.gateway.openai.Json;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.ProjectFiles;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.quota.QuotaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Schemathesis against a running gateway with a real pool behind it: every route of {@code /openapi.json}, generated
 * requests valid and invalid, with a valid key and without one. No answer may be a 5xx or break the document
 * (status, content type, body schema), and afterwards the pool still answers an ordinary chat request.
 *
 * <p>{@code -Dparley.schemathesis.examples=N} sets the generated requests per route and phase (default 10).
 */
@ExtendWith(ParleyInfraExtension.class)
class SchemathesisTest {

    private static final String CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,"
            + "response_schema_conformance";
    private static final int EXAMPLES = Integer.getInteger("parley.schemathesis.examples", 10);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void generatedRequestsNeverBreakTheDocumentOrThePool(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        // The tiny model with a small context and 8 tokens when a request names none: fast answers (it never picks
        // its end token), and max_tokens past the context is a quick 400.
        try (PoolFixture pool = new PoolFixture(infra, models.tiny(), 256, 8, QuotaSettings.NONE);
             Gateway gateway = Gateway.start(pool.gatewayConfig().build())) {
            String root = gateway.baseUrl().replace("/v1", "");
            Path dir = ProjectFiles.resolve("gateway/target/schemathesis-run");
            Files.createDirectories(dir);
            Path schema = dir.resolve("openapi.json");
            Files.writeString(schema, Json.write(forThisPool(fetch(root + "/openapi.json"))));

            Schemathesis.Run keyed = Schemathesis.run(schema, root, dir.resolve("with-key.txt"), args(
                    "--header", "Authorization: Bearer " + pool.alphaKey));
            assertThat(keyed.exitCode()).as(keyed.output()).isZero();
            Schemathesis.Run keyless = Schemathesis.run(schema, root, dir.resolve("without-key.txt"), args());
            assertThat(keyless.exitCode()).as(keyless.output()).isZero();

            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                    + "/chat/completions")).header("Authorization", "Bearer " + pool.betaKey)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(
                            Json.object("model", PoolFixture.MODEL, "max_tokens", 4, "messages",
                                    List.of(Json.object("role", "user", "content", "Say hi."))))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(Json.mapper().readTree(chat.body()).at("/choices/0/finish_reason").asString())
                    .isIn("stop", "length");
        }
    }

    private static List<String> args(String... extra) {
        List<String> args = new ArrayList<>(List.of("--checks", CHECKS, "--max-examples", String.valueOf(EXAMPLES),
                "--phases", "examples,coverage,fuzzing", "--workers", "1", "--request-timeout", "120",
                "--seed", "20261207", "--no-shrink", "--suppress-health-check", "all"));
        args.addAll(List.of(extra));
        return args;
    }

    private JsonNode fetch(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return Json.mapper().readTree(response.body());
    }

    /**
     * The served document with generation kept to what this pool answers quickly: its one model, at most 8 tokens,
     * short conversations (chat and responses alike), and no {@code json_schema} format (a generated schema is the
     * structured-output tests' subject, not this one's). Requests using tools are generated: this pool's workers
     * announce that their engine calls none, so the gateway answers them at once with a 400 (unsupported_feature).
     */
    private static JsonNode forThisPool(JsonNode document) {
        ObjectNode request = (ObjectNode) document.at("/components/schemas/CreateChatCompletionRequest/properties");
        ((ObjectNode) request.get("model")).putArray("enum").add(PoolFixture.MODEL);
        ((ObjectNode) request.get("max_tokens")).put("maximum", 8);
        ((ObjectNode) request.get("max_completion_tokens")).put("maximum", 8);
        ((ObjectNode) request.get("messages")).put("maxItems", 4);
        ArrayNode content = (ArrayNode) document.at("/components/schemas/ChatMessage/properties/content/oneOf");
        ((ObjectNode) content.get(0)).put("maxLength", 200);
        ((ObjectNode) content.get(1)).put("maxItems", 3);
        ArrayNode formats = (ArrayNode) document.at("/components/schemas/ResponseFormat/oneOf");
        formats.remove(1);
        ObjectNode response = (ObjectNode) document.at("/components/schemas/CreateResponseRequest/properties");
        ((ObjectNode) response.get("model")).putArray("enum").add(PoolFixture.MODEL);
        ((ObjectNode) response.get("max_output_tokens")).put("maximum", 8);
        ArrayNode input = (ArrayNode) response.at("/input/oneOf");
        ((ObjectNode) input.get(0)).put("maxLength", 200);
        ((ObjectNode) input.get(1)).put("maxItems", 4);
        ((ArrayNode) document.at("/components/schemas/ResponseTextFormat/oneOf")).remove(1);
        return document;
    }
}
