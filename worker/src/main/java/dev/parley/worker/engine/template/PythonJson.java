package dev.parley.worker.engine.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code tojson} filter as Hugging Face templates see it: Python's {@code json.dumps(value, ensure_ascii=False)}
 * with its separators ({@code ", "} and {@code ": "}), {@code indent} and {@code sort_keys}. Jinjava's own
 * {@code tojson} writes compact JSON, which would change the prompt a model was trained on (tool definitions are
 * rendered through this filter).
 */
final class PythonJson implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return filter(value, interpreter, args, Map.of());
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
        boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        return dumps(value, indent instanceof Number n ? n.intValue() : -1, sortKeys);
    }

    /** {@code json.dumps(value, ensure_ascii=False, indent=indent)}; {@code indent < 0}: on one line. */
    static String dumps(Object value, int indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(value, indent, sortKeys, 0, out);
        return out.toString();
    }

    private static void write(Object value, int indent, boolean sortKeys, int depth, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
            out.append(value);
        } else if (value instanceof Number number) {
            double d = number.doubleValue();
            out.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16 ? (long) d + ".0" : number);
        } else if (value instanceof Map<?, ?> map) {
            Map<?, ?> entries = sortKeys ? new TreeMap<>(map) : map;
            out.append('{');
            int i = 0;
            for (Map.Entry<?, ?> entry : entries.entrySet()) {
                separate(i++, indent, depth + 1, out);
                string(String.valueOf(entry.getKey()), out);
                out.append(": ");
                write(entry.getValue(), indent, sortKeys, depth + 1, out);
            }
            close(i, indent, depth, out).append('}');
        } else if (value instanceof Iterable<?> list) {
            out.append('[');
            int i = 0;
            for (Object item : list) {
                separate(i++, indent, depth + 1, out);
                write(item, indent, sortKeys, depth + 1, out);
            }
            close(i, indent, depth, out).append(']');
        } else if (value instanceof Object[] array) {
            write(java.util.Arrays.asList(array), indent, sortKeys, depth, out);
        } else {
            string(value.toString(), out);
        }
    }

    private static void separate(int index, int indent, int depth, StringBuilder out) {
        if (index > 0) {
            out.append(indent < 0 ? ", " : ",");
        }
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static StringBuilder close(int count, int indent, int depth, StringBuilder out) {
        if (indent >= 0 && count > 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
        return out;
    }

    private static void string(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
