package dev.parley.worker.engine.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Jinjava engine set up the way Hugging Face renders chat templates: {@code trim_blocks} and
 * {@code lstrip_blocks} on, Python's operator precedence and map iteration, its {@code tojson}, its string methods,
 * and the {@code raise_exception} and {@code strftime_now} globals. Output is never interpreted a second time, so
 * {@code {{ ... }}} inside a message stays text.
 */
final class JinjaEnvironment {

    /** The most a template may write: far above any prompt a context holds, low enough to stop a runaway loop. */
    static final long MAX_OUTPUT_CHARS = 64L << 20;

    private JinjaEnvironment() {
    }

    static Jinjava create(LoopConditions loopConditions) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true) // see JinjaDialect
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerFilter(new PythonJson());
        jinjava.registerFilter(new PythonItems());
        jinjava.registerFilter(loopConditions);
        jinjava.registerTag(new FilterBlockTag());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        return jinjava;
    }
}
