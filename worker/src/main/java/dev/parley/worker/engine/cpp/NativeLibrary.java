package dev.parley.worker.engine.cpp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.parley.models.LlamaLibraryFiles;
import dev.parley.models.ModelUnavailableException;
import dev.parley.worker.engine.EngineException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * llama.cpp's shared libraries, loaded from one directory: libggml registers the CPU backend variant that suits this
 * processor (and any GPU backend in the directory), then libllama is bound and initialised, its log routed to SLF4J.
 * Any build of release v0.5.0 will do, npm's sets or a stock CMake build: the files are found by
 * {@link LlamaLibraryFiles}, and the library is then asked for its version, since the structures bound in
 * {@link LlamaLib} are that release's.
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
    /**
     * Strings cross as UTF-8 whatever the platform's charset: a container image without {@code LANG} has US-ASCII,
     * which JNA would use for a grammar, a chat template or a model path, turning every non-ASCII character into
     * {@code ?} (a schema's property names, a template's {@code <｜User｜>}).
     */
    private static final Map<String, Object> OPTIONS = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY,
            Library.OPTION_STRING_ENCODING, "UTF-8");

    /**
     * llama.cpp's log hook is one per process, so the callback is a constant: a stateless forwarder that the
     * collector can never free while native code may still call it.
     */
    private static final LlamaLib.LogCallback TO_SLF4J = NativeLibrary::forward;

    private NativeLibrary() {
    }

    /** The release whose C API {@link LlamaLib} binds. */
    static final String RELEASE = "0.5.0";

    /** Loads the libraries in {@code dir}, checks their release and initialises llama.cpp's backends. */
    static LoadedLlama load(Path dir) {
        LlamaLibraryFiles files;
        try {
            files = LlamaLibraryFiles.find(dir);
        } catch (ModelUnavailableException e) {
            throw new EngineException(e.getMessage(), e);
        }
        GgmlLib ggml;
        LlamaLib llama;
        try {
            ggml = Native.load(files.libggml().toString(), GgmlLib.class, OPTIONS);
            llama = Native.load(files.libllama().toString(), LlamaLib.class, OPTIONS);
        } catch (UnsatisfiedLinkError e) {
            throw new EngineException("cannot load llama.cpp from " + dir + ": " + e.getMessage(), e);
        }
        String version = version(llama, files.libllama());
        llama.llama_log_set(TO_SLF4J, null);
        ggml.ggml_backend_load_all_from_path(dir.toString());
        llama.llama_backend_init();
        List<String> backends = backends(ggml);
        List<GpuDevice> gpus = gpus(ggml);
        log.info("llama.cpp {} from {}: backends {}, GPUs: {}", version, dir, backends, gpus.isEmpty() ? "none" : gpus);
        return new LoadedLlama(llama, ggml, dir, version, backends, gpus);
    }

    /** The library's own answer, so a stock build is accepted by what it is rather than by its file name. */
    private static String version(LlamaLib llama, Path file) {
        String version;
        try {
            version = llama.llama_version();
        } catch (UnsatisfiedLinkError e) {
            throw new EngineException(file + " is not llama.cpp v" + RELEASE + " (it has no llama_version)", e);
        }
        if (version == null || !(version.equals(RELEASE) || version.startsWith(RELEASE + "-"))) {
            throw new EngineException(file + " is llama.cpp " + version + "; Parley's bindings are for release v"
                    + RELEASE + " (build that release, e.g. with ops/gpu/build-cuda.sh)");
        }
        return version;
    }

    private static List<String> backends(GgmlLib ggml) {
        List<String> names = new ArrayList<>();
        long count = ggml.ggml_backend_reg_count();
        for (long i = 0; i < count; i++) {
            names.add(ggml.ggml_backend_reg_name(ggml.ggml_backend_reg_get(i)));
        }
        return List.copyOf(names);
    }

    private static List<GpuDevice> gpus(GgmlLib ggml) {
        List<GpuDevice> gpus = new ArrayList<>();
        for (Pointer device : gpuHandles(ggml)) {
            LongByReference free = new LongByReference();
            LongByReference total = new LongByReference();
            ggml.ggml_backend_dev_memory(device, free, total);
            gpus.add(new GpuDevice(gpus.size(), ggml.ggml_backend_dev_name(device),
                    ggml.ggml_backend_dev_description(device), total.getValue(), free.getValue()));
        }
        return List.copyOf(gpus);
    }

    /** ggml's handles of the registered GPUs, in the order {@link GpuDevice#index()} counts them. */
    static List<Pointer> gpuHandles(GgmlLib ggml) {
        List<Pointer> handles = new ArrayList<>();
        for (long i = 0; i < ggml.ggml_backend_dev_count(); i++) {
            Pointer device = ggml.ggml_backend_dev_get(i);
            int type = ggml.ggml_backend_dev_type(device);
            if (type == GgmlLib.DEVICE_GPU || type == GgmlLib.DEVICE_IGPU) {
                handles.add(device);
            }
        }
        return handles;
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
