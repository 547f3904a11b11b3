package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Pointer;
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
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Grammar-constrained sampling in the native engine: llama.cpp accepts every grammar the converter writes, and the
 * real small model, sampling at temperature 0.7, answers in JSON that matches the schema every time.
 */
@ExtendWith({ParleyInfraExtension.class, EngineExtension.class})
class GrammarSamplingTest {

    private static final JsonNode PERSON = WireJson.mapper().readTree("""
            {"type": "object", "additionalProperties": false, "required": ["name", "age", "likes_cats"],
             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20},
                            "age": {"type": "integer"},
                            "likes_cats": {"type": "boolean"}}}""");

    /** One schema per construct of the subset, and one that combines them. */
    private static final List<String> CONSTRUCTS = List.of(
            "{\"type\":\"string\"}", "{\"type\":\"number\"}", "{\"type\":\"integer\"}", "{\"type\":\"boolean\"}",
            "{\"type\":\"null\"}", "{}", "{\"type\":[\"string\",\"null\"]}", "{\"const\":{\"a\":[1,\"x\"]}}",
            "{\"enum\":[\"red\",\"gr\\\"een\",3,null]}", "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}",
            "{\"type\":\"string\",\"minLength\":2,\"maxLength\":256}",
            "{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}",
            "{\"type\":\"array\",\"maxItems\":0}", "{\"type\":\"array\",\"minItems\":2}",
            "{\"type\":\"object\"}", "{\"type\":\"object\",\"additionalProperties\":false}",
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"}},"
                    + "\"required\":[\"b\"]}",
            "{\"properties\":{\"héllo wörld\":{\"type\":\"string\"},\"tab\\t\\\"q\\\"\":{\"type\":\"null\"}}}",
            "{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"children\":"
                    + "{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"children\"]}}}",
            "{\"definitions\":{\"id\":{\"type\":\"integer\"}},\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/id\"}}",
            PERSON.toString());

    /** As many turn threads as the engine has sequences, so the twenty answers are batched four at a time. */
    private final ExecutorService turns = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopTurns() {
        turns.shutdownNow();
    }

    @Test
    void llamaCppAcceptsEveryGrammarTheConverterWrites(TestModels models) throws Exception {
        LlamaLib llama = NativeLibrary.load(EngineExtension.libraries()).llama();
        try (NativeModel model = NativeModel.load(llama, models.tiny(), new GpuPlacement(0, -1, "CPU only"), false)) {
            for (String schema : CONSTRUCTS) {
                String grammar = JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(schema), "$");
                assertThat(model.acceptsGrammar(grammar)).as("%s gives\n%s", schema, grammar).isTrue();
            }
            assertThat(model.acceptsGrammar(JsonSchemaGrammar.ANY_OBJECT)).isTrue();
            // the check can fail: a rule referring to nothing
            assertThat(model.acceptsGrammar("root ::= missing\n")).isFalse();
        }
    }

    @Test
    void checkingThePickFirstGivesWhatMaskingEveryTokenGives(TestModels models) throws Exception {
        LlamaLib llama = NativeLibrary.load(EngineExtension.libraries()).llama();
        String grammar = JsonSchemaGrammar.forSchema(PERSON, "$");
        try (NativeModel model = NativeModel.load(llama, models.real(), new GpuPlacement(0, -1, "CPU only"), false)) {
            LlamaLib.ContextParams params = llama.llama_context_default_params();
            params.n_ctx = 512;
            params.n_batch = 512;
            params.n_ubatch = 512;
            params.n_threads = 2;
            params.n_threads_batch = 2;
            params.no_perf = 1;
            Pointer context = llama.llama_init_from_model(model.pointer(), params);
            // the reference: llama.cpp's grammar sampler masking the whole vocabulary before greedy, every step
            Pointer masking = llama.llama_sampler_chain_init(llama.llama_sampler_chain_default_params());
            llama.llama_sampler_chain_add(masking, llama.llama_sampler_init_grammar(model.vocab(), grammar, "root"));
            llama.llama_sampler_chain_add(masking, llama.llama_sampler_init_greedy());
            SamplerChain checking = SamplerChain.create(llama, model.vocab(), Sampling.greedy(1).withGrammar(grammar));
            BatchBuffer batch = new BatchBuffer(llama, 512);
            try {
                List<Integer> masked = new ArrayList<>();
                List<Integer> checked = new ArrayList<>();
                for (int run = 0; run < 2; run++) {
                    List<Integer> tokens = run == 0 ? masked : checked;
                    llama.llama_memory_seq_rm(llama.llama_get_memory(context), 0, -1, -1);
                    int[] prompt = model.tokenize(model.render(List.of(ChatMessage.user(
                            "Describe a person as JSON."))), false, true);
                    batch.clear();
                    int index = -1;
                    for (int i = 0; i < prompt.length; i++) {
                        index = batch.add(prompt[i], i, 0, i == prompt.length - 1);
                    }
                    for (int position = prompt.length; tokens.size() < 40; position++) {
                        assertThat(batch.decode(context)).isZero();
                        int token = run == 0 ? llama.llama_sampler_sample(masking, context, index)
                                : checking.next(context, index, SamplerChain.argmax(
                                        llama.llama_get_logits_ith(context, index), model.vocabularySize()));
                        tokens.add(token);
                        if (model.isEndOfGeneration(token)) {
                            break;
                        }
                        batch.clear();
                        index = batch.add(token, position, 0, true);
                    }
                }
                assertThat(checking.greedy()).as("greedy turns keep the argmax fast path").isTrue();
                assertThat(checked).isEqualTo(masked);
                assertThat(checked.size()).isGreaterThan(5);
                assertThat(checking.resamples()).as("the first pick is prose, refused; later picks mostly pass")
                        .isPositive().isLessThan(checked.size());
            } finally {
                checking.close();
                llama.llama_sampler_free(masking);
                batch.close();
                llama.llama_free(context);
            }
        }
    }

    @Test
    void twentyAnswersInARowAtTemperature07MatchTheSchema(NativeEngine engine) {
        ResponseFormat format = ResponseFormat.jsonSchema("person", PERSON);
        OutputValidator validator = OutputValidator.of(format);
        String grammar = grammar(format);
        List<CompletableFuture<Generation>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Sampling sampling = new Sampling(96, 0.7, null, null, (long) i, List.of(), grammar);
            answers.add(generate(engine, "json-" + i, "Describe a person as JSON with name, age and likes_cats.",
                    sampling));
        }
        for (int i = 0; i < answers.size(); i++) {
            Generation answer = answers.get(i).join();
            assertThat(answer.finishReason()).as("answer %d: %s", i, answer.text()).isEqualTo(FinishReason.STOP);
            assertThat(validator.problem(answer.text())).as("answer %d: %s", i, answer.text()).isEmpty();
            JsonNode json = WireJson.mapper().readTree(answer.text());
            assertThat(json.get("name").asString()).isNotEmpty();
        }
    }

    @Test
    void jsonObjectGivesAnObject(NativeEngine engine) {
        OutputValidator validator = OutputValidator.of(ResponseFormat.JSON_OBJECT);
        for (int i = 0; i < 3; i++) {
            Generation answer = generate(engine, "object-" + i, "List two fruits and their colours as JSON.",
                    new Sampling(96, 0.7, null, null, 100L + i, List.of(), grammar(ResponseFormat.JSON_OBJECT))).join();
            if (answer.finishReason() == FinishReason.STOP) {
                assertThat(validator.problem(answer.text())).as(answer.text()).isEmpty();
            }
            assertThat(answer.text()).as("an object from its first character").startsWith("{");
        }
    }

    @Test
    void greedyDecodingWithAGrammarDoesNotTakeTheArgmaxFastPath(NativeEngine engine) {
        // Unconstrained, the model answers this in prose; under the grammar its first character is '{'.
        String question = "What is the capital of France?";
        Generation free = generate(engine, "greedy-free", question, Sampling.greedy(16)).join();
        Generation constrained = generate(engine, "greedy-json", question,
                Sampling.greedy(96).withGrammar(grammar(ResponseFormat.jsonSchema("person", PERSON)))).join();

        assertThat(free.text()).doesNotStartWith("{");
        assertThat(constrained.finishReason()).as(constrained.text()).isEqualTo(FinishReason.STOP);
        assertThat(OutputValidator.of(ResponseFormat.jsonSchema("person", PERSON)).problem(constrained.text()))
                .as(constrained.text()).isEmpty();
    }

    @Test
    void aTightTokenBudgetEndsWithLengthAndIncompleteJson(NativeEngine engine) {
        Generation cut = generate(engine, "json-cut", "Describe a person as JSON.",
                Sampling.greedy(4).withGrammar(grammar(ResponseFormat.jsonSchema("person", PERSON)))).join();

        assertThat(cut.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(OutputValidator.of(ResponseFormat.jsonSchema("person", PERSON)).problem(cut.text()))
                .get().asString().contains("not complete JSON");
    }

    @Test
    void aGrammarLlamaCppRefusesIsAnsweredWithoutReachingTheEngineThread(NativeEngine engine) {
        assertThatThrownBy(() -> engine.generate(request("bad-grammar", "Hi",
                Sampling.greedy(4).withGrammar("root ::= undefined-rule\n")), TokenListener.NONE))
                .isInstanceOf(UnsupportedRequestException.class)
                .satisfies(e -> assertThat(((UnsupportedRequestException) e).code()).isEqualTo("invalid_grammar"));
        // and the engine still answers
        assertThat(generate(engine, "after-bad-grammar", "Hi", Sampling.greedy(2)).join().completionTokens())
                .isPositive();
    }

    private static String grammar(ResponseFormat format) {
        try {
            return JsonSchemaGrammar.forFormat(format, "$");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static GenerationRequest request(String conversation, String message, Sampling sampling) {
        return new GenerationRequest(conversation, new Transcript(null, List.of(), List.of(ChatMessage.user(message))),
                sampling, null);
    }

    private CompletableFuture<Generation> generate(NativeEngine engine, String conversation, String message,
                                                          Sampling sampling) {
        return CompletableFuture.supplyAsync(() -> engine.generate(request(conversation, message, sampling),
                TokenListener.NONE), turns);
    }
}
