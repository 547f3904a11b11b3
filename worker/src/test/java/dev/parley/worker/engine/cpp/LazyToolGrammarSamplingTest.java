package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.testkit.junit.ParleyInfraExtension.TestModels;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.tools.LazyToolGrammar;
import dev.parley.worker.engine.tools.ParsedAnswer;
import dev.parley.worker.engine.tools.ToolCallParser;
import dev.parley.worker.engine.tools.ToolRendering;
import dev.parley.worker.engine.tools.ToolSyntax;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The lazy grammar of a call under {@code tool_choice: auto}, on the real small model (SmolLM2, which was not trained
 * to call tools, so the call is started for it): greedy text the model writes without the trigger is token for token
 * what it writes unconstrained, and once the trigger is written, in each family's syntax, the answer ends as a call
 * that parses and whose arguments match the tool's schema, where the model left alone writes none that does.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class LazyToolGrammarSamplingTest {

    /** A schema the model would not meet by chance: an enum and a bounded string, nothing else allowed. */
    private static final Tool WEATHER = Tool.function("get_weather", "The weather in a city",
            WireJson.mapper().readTree("""
                    {"type": "object", "additionalProperties": false, "required": ["city", "unit"],
                     "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 30},
                                    "unit": {"enum": ["celsius", "fahrenheit"]}}}"""));
    private static final List<Tool> TOOLS = List.of(WEATHER, Tool.function("get_time", "The time in a city",
            WireJson.mapper().readTree("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}")));
    private static final int MAX_TOKENS = 64;
    private static final String WEATHER_QUESTION = "What is the weather in Paris, in celsius?";
    private static final String PROSE_QUESTION = "Write one sentence about the sea.";

    @Test
    void llamaCppTakesEveryFamilysGrammarAndTriggers(TestModels models) throws Exception {
        LlamaLib llama = NativeLibrary.load(EngineExtension.libraries()).llama();
        try (NativeModel model = NativeModel.load(llama, models.tiny(), new GpuPlacement(0, -1, "CPU only"), false)) {
            for (ToolSyntax syntax : ToolSyntax.values()) {
                for (boolean parallel : new boolean[] {true, false}) {
                    LazyToolGrammar lazy = LazyToolGrammar.forFamily(TOOLS, syntax, parallel);
                    assertThat(model.acceptsGrammar(lazy.gbnf())).as("%s:\n%s", syntax, lazy.gbnf()).isTrue();
                    // compiles the triggers as std::regex too
                    GrammarSampler.create(llama, model.vocab(), lazy.gbnf(), lazy.triggers()).close();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ToolSyntax.class)
    void aCallStartedAtTheTriggerEndsParsedAndMatchingTheToolsSchema(ToolSyntax syntax, TestModels models)
            throws Exception {
        LazyToolGrammar lazy = LazyToolGrammar.forFamily(TOOLS, syntax, false);
        String start = switch (syntax) {
            case HERMES -> "Let me look that up.\n<tool_call>\n";
            case MISTRAL -> "[TOOL_CALLS]";
            case LLAMA3, GENERIC -> "{\"name\": \"";
        };
        try (Decoder decoder = new Decoder(models)) {
            String free = decoder.answer(WEATHER_QUESTION, start, Sampling.greedy(MAX_TOKENS));
            String held = decoder.answer(WEATHER_QUESTION, start, Sampling.greedy(MAX_TOKENS)
                    .withLazyGrammar(lazy.gbnf(), lazy.triggers()));

            assertThat(calls(syntax, free).filter(LazyToolGrammarSamplingTest::matchesWeather))
                    .as("left alone, the model writes no valid call: %s", free).isEmpty();
            Optional<ParsedAnswer> answer = calls(syntax, held);
            assertThat(answer).as(held).isPresent();
            assertThat(answer.get().calls()).as(held).hasSize(1);
            assertThat(answer.get().calls().get(0).name()).isIn("get_weather", "get_time");
            if (answer.get().calls().get(0).name().equals("get_weather")) {
                assertThat(matchesWeather(answer.get())).as(held).isTrue();
            }
            assertThat(lazy.startedIn(held)).isTrue();
            assertThat(decoder.lastEnded).as("the answer ends after the call: %s", held).isTrue();
        }
    }

    @Test
    void textWithoutTheTriggerIsWhatTheModelWritesUnconstrained(TestModels models) throws Exception {
        try (Decoder decoder = new Decoder(models)) {
            // every answer compared comes from the prompt's cache: a whole prompt decoded at once gives the last
            // position's logits with other rounding than one token decoded after its cache
            decoder.answer(PROSE_QUESTION, "", Sampling.greedy(24));
            String free = decoder.answer(PROSE_QUESTION, "", Sampling.greedy(24));
            for (ToolSyntax syntax : ToolSyntax.values()) {
                LazyToolGrammar lazy = LazyToolGrammar.forFamily(TOOLS, syntax, true);
                String held = decoder.answer(PROSE_QUESTION, "", Sampling.greedy(24)
                        .withLazyGrammar(lazy.gbnf(), lazy.triggers()));

                assertThat(lazy.startedIn(free)).as(free).isFalse();
                assertThat(held).as(syntax.name()).isEqualTo(free);
                assertThat(decoder.lastResamples).isZero();
            }
        }
    }

    @Test
    void theEngineAnswersFreeTextUnderALazyGrammarAsWithout(NativeEngine engine) throws Exception {
        LazyToolGrammar lazy = LazyToolGrammar.forFamily(TOOLS, ToolSyntax.GENERIC, true);
        Generation free = engine.generate(request("lazy-free", Sampling.greedy(24)), TokenListener.NONE);
        Generation held = engine.generate(request("lazy-held",
                Sampling.greedy(24).withLazyGrammar(lazy.gbnf(), lazy.triggers())), TokenListener.NONE);

        assertThat(held.text()).isEqualTo(free.text());
        assertThat(held.completionTokens()).isEqualTo(free.completionTokens()).isPositive();
    }

    private static GenerationRequest request(String conversation, Sampling sampling) {
        return new GenerationRequest(conversation, new Transcript(null, List.of(),
                List.of(ChatMessage.user("What is the capital of France?"))), sampling, null);
    }

    private static Optional<ParsedAnswer> calls(ToolSyntax syntax, String text) {
        int[] ids = {0};
        return new ToolCallParser(syntax, Set.of("get_weather", "get_time"), () -> "call_" + ids[0]++).parse(text);
    }

    /** Whether the answer's first call is a get_weather call whose arguments match its schema. */
    private static boolean matchesWeather(ParsedAnswer answer) {
        ToolCall call = answer.calls().get(0);
        if (!call.name().equals("get_weather")) {
            return false;
        }
        JsonNode arguments = WireJson.mapper().readTree(call.arguments());
        return arguments.size() == 2 && arguments.path("city").isString()
                && !arguments.path("city").asString().isEmpty() && arguments.path("city").asString().length() <= 30
                && List.of("celsius", "fahrenheit").contains(arguments.path("unit").asString(""));
    }

    /**
     * Greedy answers of the real model to a question with the tools offered, one sampler chain per answer;
     * {@code start} is written for the model first (decoded as if it had sampled it, and taken by the chain and its
     * grammar), as an assistant prefill.
     */
    private static final class Decoder implements AutoCloseable {

        private final LlamaLib llama;
        private final NativeModel model;
        private final Pointer context;
        private final BatchBuffer batch;
        private String cachedQuestion;
        private boolean lastEnded;
        private long lastResamples;

        Decoder(TestModels models) {
            llama = NativeLibrary.load(EngineExtension.libraries()).llama();
            model = NativeModel.load(llama, models.real(), new GpuPlacement(0, -1, "CPU only"), false);
            LlamaLib.ContextParams params = llama.llama_context_default_params();
            params.n_ctx = 1024;
            params.n_batch = 1024;
            params.n_ubatch = 1024;
            // one thread: on a loaded machine llama.cpp's threads spin at every barrier waiting for each other
            params.n_threads = 1;
            params.n_threads_batch = 1;
            params.no_perf = 1;
            context = llama.llama_init_from_model(model.pointer(), params);
            batch = new BatchBuffer(llama, 1024);
        }

        String answer(String question, String start, Sampling sampling) {
            int[] prompt = model.tokenizeTranscript(new Transcript(null, List.of(),
                    List.of(ChatMessage.user(question)), 0,
                    Map.of("tools", ToolRendering.variable(TOOLS))));
            int[] prefill = model.tokenize(start, false, false);
            // the same question again keeps the prompt's cache and decodes only its last token again
            int kept = question.equals(cachedQuestion) ? prompt.length - 1 : 0;
            llama.llama_memory_seq_rm(llama.llama_get_memory(context), 0, kept, -1);
            cachedQuestion = question;
            batch.clear();
            int index = -1;
            for (int i = kept; i < prompt.length; i++) {
                index = batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            lastEnded = false;
            try (SamplerChain chain = SamplerChain.create(llama, model.vocab(), sampling)) {
                int steps = prefill.length + sampling.maxTokens();
                for (int step = 0, position = prompt.length; step < steps; step++, position++) {
                    assertThat(batch.decode(context)).isZero();
                    int argmax = SamplerChain.argmax(llama.llama_get_logits_ith(context, index),
                            model.vocabularySize());
                    // the prefill goes through the chain as its pick, so the grammar sees it as the model's text
                    int token = chain.next(context, index, step < prefill.length ? prefill[step] : argmax);
                    if (step < prefill.length) {
                        assertThat(token).as("the prefill passes the grammar").isEqualTo(prefill[step]);
                    }
                    if (model.isEndOfGeneration(token)) {
                        lastEnded = true;
                        break;
                    }
                    text.writeBytes(model.piece(token));
                    batch.clear();
                    index = batch.add(token, position, 0, true);
                }
                lastResamples = chain.resamples();
            }
            return text.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            batch.close();
            llama.llama_free(context);
            model.close();
        }
    }
}
