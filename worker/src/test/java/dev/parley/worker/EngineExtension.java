package dev.parley.worker;

import dev.parley.testkit.junit.ParleyInfraExtension;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Loads engines once per test JVM (java-llama.cpp cannot free a model): a parameter of type {@link LlamaCppEngine}
 * gets the real small model with 4 slots, or the synthetic tiny model when annotated {@link Tiny}.
 */
public final class EngineExtension implements ParameterResolver {

    /** Asks for the synthetic tiny model (fast, nonsense answers). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    public @interface Tiny {
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EngineExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LlamaCppEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        boolean tiny = parameter.isAnnotated(Tiny.class);
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        var models = new ParleyInfraExtension().resolveModels(context);
        if (tiny) {
            return store.computeIfAbsent("tiny", k -> LlamaCppEngine.load(
                    LlamaEngineConfig.forModel(models.tiny()).withSlots(4).withContextPerSlot(1024)), LlamaCppEngine.class);
        }
        return store.computeIfAbsent("real", k -> LlamaCppEngine.load(
                LlamaEngineConfig.forModel(models.real()).withSlots(4).withContextPerSlot(2048)), LlamaCppEngine.class);
    }
}
