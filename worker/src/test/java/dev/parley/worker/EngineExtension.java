package dev.parley.worker;

import dev.parley.models.LlamaLibraryStore;
import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Loads engines once per test JVM (java-llama.cpp cannot free a model): a parameter of type {@link LlamaCppEngine}
 * gets the real small model with 4 slots, or the synthetic tiny model when annotated {@link Tiny}; one of type
 * {@link NativeEngine} gets the real model on llama.cpp's C API with 4 sequences; one of type {@link Engines} picks
 * either by name, for tests that run with both.
 */
public final class EngineExtension implements ParameterResolver {

    /** Asks for the synthetic tiny model (fast, nonsense answers). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    public @interface Tiny {
    }

    /** The shared engines of the test JVM, by the names of the {@code engine} setting. */
    public static final class Engines {
        private final ExtensionContext context;

        private Engines(ExtensionContext context) {
            this.context = context;
        }

        /** {@code java} or {@code native}. */
        public InferenceEngine get(String kind) {
            return switch (kind) {
                case "java" -> real(context);
                case "native" -> nativeEngine(context);
                default -> throw new IllegalArgumentException("no engine " + kind);
            };
        }
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EngineExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == LlamaCppEngine.class || type == NativeEngine.class || type == Engines.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Engines.class) {
            return new Engines(context);
        }
        if (type == NativeEngine.class) {
            return parameter.isAnnotated(Tiny.class) ? tinyNative(context) : nativeEngine(context);
        }
        if (parameter.isAnnotated(Tiny.class)) {
            Path tiny = new ParleyInfraExtension().resolveModels(context).tiny();
            return store(context).computeIfAbsent("tiny", k -> LlamaCppEngine.load(
                    LlamaEngineConfig.forModel(tiny).withSlots(4).withContextPerSlot(1024)), LlamaCppEngine.class);
        }
        return real(context);
    }

    private static LlamaCppEngine real(ExtensionContext context) {
        Path model = new ParleyInfraExtension().resolveModels(context).real();
        return store(context).computeIfAbsent("real", k -> LlamaCppEngine.load(
                LlamaEngineConfig.forModel(model).withSlots(4).withContextPerSlot(2048)), LlamaCppEngine.class);
    }

    private static NativeEngine nativeEngine(ExtensionContext context) {
        Path model = new ParleyInfraExtension().resolveModels(context).real();
        return store(context).computeIfAbsent("native", k -> new ClosingEngine(NativeEngine.load(
                NativeEngineConfig.forModel(model, libraries()).withSlots(4).withContextPerSlot(2048)
                        .withSnapshotBytes(512L << 20))), ClosingEngine.class).engine;
    }

    /** The synthetic model on the native engine: fast turns for drills about intake rather than answers. */
    private static NativeEngine tinyNative(ExtensionContext context) {
        Path tiny = new ParleyInfraExtension().resolveModels(context).tiny();
        return store(context).computeIfAbsent("tiny-native", k -> new ClosingEngine(NativeEngine.load(
                NativeEngineConfig.forModel(tiny, libraries()).withSlots(4).withContextPerSlot(1024)
                        // One thread: a 64-wide model gains nothing from two, and on a loaded machine every
                        // llama.cpp thread barrier waits for a scheduler slice (the fuzz drill stalled on that).
                        .withThreads(1).withSnapshotBytes(64L << 20))), ClosingEngine.class).engine;
    }

    /** The llama.cpp libraries: {@code PARLEY_LLAMA_LIB_DIR}, else fetched into the cache and verified. */
    public static Path libraries() {
        return LlamaLibraryStore.standard(System.getenv()).resolve(System.getenv(LlamaLibraryStore.DIR_ENV));
    }

    private static ExtensionContext.Store store(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE);
    }

    /** Frees the native engine when the test JVM's root context closes. */
    private record ClosingEngine(NativeEngine engine) implements AutoCloseable {
        @Override
        public void close() {
            engine.close();
        }
    }
}
