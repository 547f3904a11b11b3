package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.Worker;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.schemas.ChatMessage;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.history.HistoryEntry;
import dev.parley.worker.history.RedisHistoryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley chat} against a real worker: typed lines become turns, /new a new conversation, /quit the end;
 * /help and mistyped commands are answered by the chat, never sent; the model's tool calls are shown and /tool
 * answers them.
 */
@ExtendWith(ParleyInfraExtension.class)
class ChatCommandTest {

    @TempDir
    Path tmp;

    @Test
    void typedLinesBecomeTurnsOfTheConversationUntilQuit(ParleyInfra infra, ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "chat" + System.nanoTime();
        String conversation = prefix + "-talk";
        LlamaCppEngine engine = LlamaCppEngine.load(LlamaEngineConfig.forModel(models.tiny()).withSlots(1)
                .withContextPerSlot(512).withThreads(1));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .groupId(prefix).partitions(1).workerId("chat-worker").build();
        try (Worker worker = Worker.start(config, engine, new SimpleMeterRegistry())) {
            List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), ParleyCli.class.getName(), "chat",
                    "--conversation", conversation, "--system", "Answer briefly.", "--max-tokens", "8",
                    "--bootstrap", infra.bootstrapServers(), "--prompts-topic", config.promptsTopic(),
                    "--replies-topic", config.repliesTopic());
            Path log = tmp.resolve("chat.log");
            Process chat = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (Writer stdin = new OutputStreamWriter(chat.getOutputStream(), StandardCharsets.UTF_8)) {
                stdin.write("hello there\n\nhow are you\n/new\nanother topic\n/quit\n");
            }
            assertThat(chat.waitFor(3, TimeUnit.MINUTES)).as("chat ended").isTrue();
            String output = Files.readString(log);
            assertThat(chat.exitValue()).as(output).isZero();

            assertThat(output).contains("Conversation " + conversation + " (/new for another, /quit to leave, "
                    + "/help for more)");
            assertThat(Pattern.compile("\\(\\d+ tokens, first after \\d+ ms, turn \\d+\\)").matcher(output).results()
                    .count()).as(output).isEqualTo(3);
            var fresh = Pattern.compile("Conversation (chat-[0-9a-f]{8})\\n").matcher(output);
            assertThat(fresh.find()).as(output).isTrue();
            try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                // The blank line was no turn; /new moved the third line to a conversation of its own. The system
                // prompt is for a new conversation's first turn: not for the one --conversation continues.
                var talk = history.load(conversation);
                assertThat(talk).extracting(HistoryEntry::system).containsExactly(null, null);
                assertThat(talk.get(1).messages().get(talk.get(1).messages().size() - 1).content())
                        .isEqualTo("how are you");
                var other = history.load(fresh.group(1));
                assertThat(other).extracting(HistoryEntry::system).containsExactly("Answer briefly.");
            }
        }
    }

    @Test
    void helpIsAnsweredByTheChatAndToolCallsAreShownAndAnswered(ParleyInfra infra,
                                                                 ParleyInfraExtension.TestModels models)
            throws Exception {
        String prefix = "chattools" + System.nanoTime();
        String conversation = prefix + "-talk";
        Path tools = tmp.resolve("tools.json");
        Files.writeString(tools, """
                [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
                  "parameters": {"type": "object", "additionalProperties": false, "required": ["city"],
                                 "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 20}}}}}]
                """);
        // the real model through the native engine, which calls tools (the java engine refuses them)
        NativeEngine engine = NativeEngine.load(NativeEngineConfig.forModel(models.real(), LlamaLibraryStore
                .standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV)))
                .withSlots(1).withContextPerSlot(1024));
        WorkerConfig config = WorkerConfig.builder().bootstrapServers(infra.bootstrapServers()).redisUri(infra.redisUri())
                .promptsTopic(prefix + ".prompts").repliesTopic(prefix + ".replies").deadLetterTopic(prefix + ".dlq")
                .groupId(prefix).partitions(1).workerId("chat-tools-worker").build();
        try (engine; Worker worker = Worker.start(config, engine, new SimpleMeterRegistry())) {
            List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), ParleyCli.class.getName(), "chat",
                    "--conversation", conversation, "--max-tokens", "48", "--temperature", "0",
                    "--tools", tools.toString(), "--tool-choice", "required",
                    "--bootstrap", infra.bootstrapServers(), "--prompts-topic", config.promptsTopic(),
                    "--replies-topic", config.repliesTopic());
            Path log = tmp.resolve("chat-tools.log");
            Process chat = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (Writer stdin = new OutputStreamWriter(chat.getOutputStream(), StandardCharsets.UTF_8)) {
                stdin.write("/help\n/tool nothing to answer\n/bogus words\nWeather in Paris?\n"
                        + "/tool {\"result\": \"sunny, 21 C\"}\n/quit\n");
            }
            assertThat(chat.waitFor(5, TimeUnit.MINUTES)).as("chat ended").isTrue();
            String output = Files.readString(log);
            assertThat(chat.exitValue()).as(output).isZero();

            assertThat(output).contains(ChatCommand.HELP).contains("no tool call to answer")
                    .contains("unknown command /bogus (/help lists the commands)");
            var shown = Pattern.compile("tool call (call_\\S+): get_weather\\((\\{.*\\})\\)").matcher(output);
            assertThat(shown.find()).as(output).isTrue();
            try (RedisHistoryStore history = RedisHistoryStore.connect(infra.redisUri(), Duration.ZERO)) {
                // the commands were never turns: the question, then the tool's result
                var talk = history.load(conversation);
                assertThat(talk).hasSize(2);
                assertThat(talk.get(0).messages()).containsExactly(ChatMessage.user("Weather in Paris?"));
                assertThat(talk.get(0).toolCalls()).singleElement().satisfies(call -> {
                    assertThat(call.id()).isEqualTo(shown.group(1));
                    assertThat(call.arguments()).isEqualTo(shown.group(2));
                });
                assertThat(talk.get(1).messages()).containsExactly(ChatMessage.tool(shown.group(1),
                        "{\"result\": \"sunny, 21 C\"}"));
            }
        }
    }
}
