package dev.parley.worker.engine.cpp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.engine.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * llama.cpp's shared libraries, loaded from one directory: libggml registers the CPU backend variant that suits this
 * processor (and any GPU backend in the directory), then libllama is bound and initialised, its log routed to SLF4J.
 */
final class NativeLibrary {

    private static final Logger log = LoggerFactory.getLogger("dev.parley.worker.engine.cpp.llama");

    /** ggml_log_level: NONE, DEBUG, INFO, WARN, ERROR, CONT (continues the previous line). */
    private static final int WARN = 3;
    private static final int ERROR = 4;
    private static final int CONT = 5;

    /**
     * dlopen flags without RTLD_GLOBAL (JNA's default adds it): llama.cpp's symbols stay private to these libraries,
     * so another copy of ggml in the process (java-llama.cpp's libjllama.so links its own) never binds to ours.
     */
    private static final int RTLD_LAZY = 1;
    private static final Map<String, Object> LOCAL_SYMBOLS = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY);

    /**
     * llama.cpp's log hook is one per process, so the callback is a constant: a stateless forwarder that the
     * collector can never free while native code may still call it.
     */
    private static final LlamaLib.LogCallback TO_SLF4J = NativeLibrary::forward;

    private NativeLibrary() {
    }

    /** Loads the libraries in {@code dir} and initialises llama.cpp's backends. */
    static LlamaLib load(Path dir) {
        Path libllama = dir.resolve(LlamaLibraryStore.LIBLLAMA);
        Path libggml = dir.resolve(LlamaLibraryStore.LIBGGML);
        if (!Files.isRegularFile(libllama) || !Files.isRegularFile(libggml)) {
            throw new EngineException(dir + " lacks " + LlamaLibraryStore.LIBLLAMA + " or " + LlamaLibraryStore.LIBGGML);
        }
        try {
            GgmlLib ggml = Native.load(libggml.toString(), GgmlLib.class, LOCAL_SYMBOLS);
            LlamaLib llama = Native.load(libllama.toString(), LlamaLib.class, LOCAL_SYMBOLS);
            llama.llama_log_set(TO_SLF4J, null);
            ggml.ggml_backend_load_all_from_path(dir.toString());
            llama.llama_backend_init();
            return llama;
        } catch (UnsatisfiedLinkError e) {
            throw new EngineException("cannot load llama.cpp from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void forward(int level, String text, Pointer userData) {
        if (text == null || level == CONT) {
            return; // progress dots while loading
        }
        String line = text.stripTrailing();
        if (line.isEmpty()) {
            return;
        }
        if (level >= ERROR) {
            log.error(line);
        } else if (level == WARN) {
            log.warn(line);
        } else {
            log.debug(line);
        }
    }
}
