package dev.parley.worker.engine.template;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja's loop filter, {@code {% for key, value in tool.items() if key != "return" %}}: Jinjava reads the
 * {@code if} as a conditional expression and loses the filter. {@link JinjaDialect} moves each condition here and
 * calls this filter on the loop's sequence instead, which keeps the items for which Jinjava evaluates the condition
 * true, with the loop's variables bound; {@code loop.last} and {@code loop.index} then count the kept items, as in
 * Jinja. One per template.
 */
final class LoopConditions implements Filter {

    static final String NAME = "parley_loop_if";

    private record Condition(List<String> names, String expression) {
    }

    private final List<Condition> conditions = new ArrayList<>();

    /** Remembers a condition; the number is the filter's argument. */
    int add(List<String> names, String expression) {
        conditions.add(new Condition(List.copyOf(names), expression));
        return conditions.size() - 1;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        Condition condition = conditions.get(Integer.parseInt(args[0]));
        Iterable<?> items = value instanceof Map<?, ?> map ? map.keySet()
                : value instanceof Iterable<?> iterable ? iterable : List.of();
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
                bind(condition.names(), item, interpreter.getContext());
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition.expression(),
                        interpreter.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    /** {@code for a, b in pairs}: a pair (a map entry or a list) is unpacked into the names. */
    private static void bind(List<String> names, Object item, Context context) {
        if (names.size() == 1) {
            context.put(names.get(0), item);
        } else if (item instanceof Map.Entry<?, ?> entry && names.size() == 2) {
            context.put(names.get(0), entry.getKey());
            context.put(names.get(1), entry.getValue());
        } else if (item instanceof List<?> list) {
            for (int i = 0; i < names.size() && i < list.size(); i++) {
                context.put(names.get(i), list.get(i));
            }
        }
    }
}
