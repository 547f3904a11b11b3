package dev.parley.bench;

import dev.parley.schemas.ChatMessage;
import dev.parley.worker.engine.Exchange;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.Sampling;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a child JVM per configuration (a loaded model cannot be freed): loads the model with a KV cache type,
 * warms one conversation per slot (an eighth of the slot: the cache is allocated whole at load, so more would only cost time), and prints its resident memory at each step as
 * {@code RSS <json>}.
 */
public final class RssProbe {

    private RssProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        KvCacheType type = KvCacheType.parse(args[1]);
        int slots = Integer.parseInt(args[2]);
        int contextPerSlot = Integer.parseInt(args[3]);
        long before = rssBytes();
        LlamaCppEngine engine = LlamaCppEngine.load(new LlamaEngineConfig(model, slots, contextPerSlot, 1, type, 0));
        long loaded = rssBytes();
        int warmTokens = 0;
        for (int s = 0; s < slots; s++) {
            List<Exchange> history = new ArrayList<>();
            while (engine.tokenize(engine.render(new Transcript(null, history, List.of(ChatMessage.user("x"))))).length
                    < contextPerSlot / 8) {
                history.add(new Exchange(List.of(ChatMessage.user("Conversation " + s + ", note " + history.size()),
                        ChatMessage.assistant("Noted. The figures for this period were in line with expectations."))));
            }
            var g = engine.generate(new GenerationRequest("rss-" + s, new Transcript(null, history,
                    List.of(ChatMessage.user("ok?"))), Sampling.greedy(4), null), TokenListener.NONE);
            warmTokens += g.promptTokens() + g.completionTokens();
        }
        long warm = rssBytes();
        System.out.printf("RSS {\"type\":\"%s\",\"slots\":%d,\"context_per_slot\":%d,\"jvm_bytes\":%d,"
                        + "\"loaded_bytes\":%d,\"warm_bytes\":%d,\"warm_tokens\":%d}%n",
                type, slots, contextPerSlot, before, loaded, warm, warmTokens);
        System.out.flush();
        Runtime.getRuntime().halt(0); // the native loop thread would keep the JVM alive
    }

    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status (Linux only)");
    }
}
