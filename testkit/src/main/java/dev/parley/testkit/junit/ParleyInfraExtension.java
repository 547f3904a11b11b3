package dev.parley.testkit.junit;

import dev.parley.models.ModelLocator;
import dev.parley.testkit.ParleyInfra;
import dev.parley.testkit.gguf.TinyLlamaModel;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests real infrastructure, started once per test JVM and stopped when it ends: declare a parameter of type
 * {@link ParleyInfra} or {@link TestModels}. Tests share the broker and Redis, so each uses its own topics, group
 * and conversation ids.
 */
public final class ParleyInfraExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ParleyInfraExtension.class);

    /** The models tests run: the real small model and a synthetic tiny one. */
    public record TestModels(Path real, Path tiny) {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == ParleyInfra.class || type == TestModels.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        if (parameter.getParameter().getType() == ParleyInfra.class) {
            return store.computeIfAbsent("infra", key -> new InfraResource(ParleyInfra.start()), InfraResource.class).infra();
        }
        return resolveModels(context);
    }

    /** The test models, located (and fetched if needed) once per test JVM. */
    public TestModels resolveModels(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent("models", key -> new TestModels(
                ModelLocator.fromEnvironment().locate(),
                TinyLlamaModel.writeTemp(42)), TestModels.class);
    }

    /** Closes the infrastructure when the root context closes (JUnit closes AutoCloseable store values). */
    private record InfraResource(ParleyInfra infra) implements AutoCloseable {
        @Override
        public void close() {
            infra.close();
        }
    }
}
