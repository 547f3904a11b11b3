package dev.parley.worker.engine.cpp;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One greedy, grammar-constrained generation in a JVM of its own ({@link NativeProcessTest}): what it tests may
 * abort the process, or needs the process's platform charset. Prints {@code PROBE text=U+...} with the answer's code
 * points (so no charset of stdout can change them) or {@code PROBE error=<code>}.
 *
 * <p>Arguments: the scenario ({@code dead-grammar}: a schema whose const needs a character the vocabulary cannot
 * spell; {@code non-ascii-grammar}: the grammar {@code root ::= "é"}), the llama.cpp library directory, the model.
 */
public final class NativeProbe {

    private NativeProbe() {
    }

    public static void main(String[] args) throws Exception {
        String grammar = switch (args[0]) {
            case "dead-grammar" -> JsonSchemaGrammar.forSchema(WireJson.mapper().readTree("{\"const\":\"\u00e9\"}"),
                    "$");
            case "non-ascii-grammar" -> "root ::= \"\u00e9\"\n";
            default -> throw new IllegalArgumentException("no scenario " + args[0]);
        };
        NativeEngineConfig config = NativeEngineConfig.forModel(Path.of(args[2]), Path.of(args[1])).withSlots(1)
                .withContextPerSlot(512).withThreads(1).withSnapshotBytes(8L << 20);
        try (NativeEngine engine = NativeEngine.load(config)) {
            GenerationRequest request = new GenerationRequest("probe", new Transcript(null, List.of(),
                    List.of(ChatMessage.user("Say it."))), Sampling.greedy(8).withGrammar(grammar), null);
            try {
                Generation answer = engine.generate(request, TokenListener.NONE);
                System.out.println("PROBE text=" + answer.text().codePoints()
                        .mapToObj(c -> String.format("U+%04X", c)).collect(Collectors.joining(",")));
            } catch (UnsupportedRequestException e) {
                System.out.println("PROBE error=" + e.code());
            }
        }
    }
}
