package dev.parley.worker.engine.template;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The places where Jinjava reads a template differently from Python's Jinja, fixed in the template's text before
 * it is parsed (not a Jinja parser: two rewrites that keep every other byte).
 *
 * <ul>
 *   <li>{@code not x is defined} means {@code not (x is defined)} in Jinja, where tests bind tighter than
 *       {@code not}; Jinjava reads {@code (not x) is defined}, which is always true. DeepSeek's and many other
 *       templates begin with {@code {% if not add_generation_prompt is defined %}}.</li>
 *   <li>Jinja drops one newline at the very end of the template's source ({@code keep_trailing_newline=False});
 *       Jinjava's option of that name strips the end of the output instead, which loses a
 *       {@code {{ '\n' }}} the template asked for.</li>
 *   <li>{@code messages[::-1]} (Qwen 3's way to walk the messages backwards) is a slice step Jinjava cannot parse;
 *       it becomes {@code (messages|reverse|list)}.</li>
 *   <li>{@code namespace(last=messages|length - 1)}: Jinjava applies the filter to the named argument and then
 *       subtracts from it; each argument of {@code namespace(...)} is put in parentheses.</li>
 *   <li>{@code {% for x in xs if cond %}}: the condition moves to {@link LoopConditions}, which filters
 *       {@code xs}.</li>
 * </ul>
 */
final class JinjaDialect {

    /** {@code not <name, attribute or subscript> is [not] <test>}, the test without arguments. */
    private static final Pattern NOT_TEST = Pattern.compile(
            "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\[\\]]*\\])*(?:\\.[A-Za-z_]\\w*)*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)\\b");

    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][\\w.]*)\\[::-1\\]");

    private static final Pattern NAMESPACE = Pattern.compile("namespace\\(([^()]*)\\)");
    private static final Pattern NAMED_ARGUMENT = Pattern.compile("(\\w+)\\s*=\\s*([^,]+)");

    private static final Pattern LOOP_FILTER = Pattern.compile(
            "(\\{%-?\\s*for\\s+)([\\w\\s,]+?)(\\s+in\\s+)((?:[^%]|%(?!\\}))+?)\\s+if\\s+((?:[^%]|%(?!\\}))+?)(\\s*-?%\\})");

    private JinjaDialect() {
    }

    /**
     * @param conditions receives the conditions of loop filters
     */
    static String toJinjava(String source, LoopConditions conditions) {
        String text = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        text = LOOP_FILTER.matcher(text).replaceAll(loop -> {
            List<String> names = List.of(loop.group(2).strip().split("\\s*,\\s*"));
            int condition = conditions.add(names, loop.group(5));
            return Matcher.quoteReplacement(loop.group(1) + loop.group(2) + loop.group(3) + "(" + loop.group(4)
                    + ")|" + LoopConditions.NAME + "(" + condition + ")" + loop.group(6));
        });
        Matcher matcher = NOT_TEST.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 16);
        while (matcher.find()) {
            if (insideTag(text, matcher.start())) {
                String not = matcher.group(2) == null ? "" : "not ";
                matcher.appendReplacement(out, Matcher.quoteReplacement(
                        "not (" + matcher.group(1) + " is " + not + matcher.group(3) + ")"));
            }
        }
        matcher.appendTail(out);
        String reversed = REVERSED.matcher(out).replaceAll("($1|reverse|list)");
        return NAMESPACE.matcher(reversed).replaceAll(call -> Matcher.quoteReplacement("namespace("
                + NAMED_ARGUMENT.matcher(call.group(1)).replaceAll(arg -> Matcher.quoteReplacement(
                        arg.group(1) + "=(" + arg.group(2).strip() + ")")) + ")"));
    }

    /** Whether {@code at} lies inside a {@code {% %}} or {@code {{ }}} tag rather than in the template's text. */
    private static boolean insideTag(String text, int at) {
        int open = Math.max(text.lastIndexOf("{%", at), text.lastIndexOf("{{", at));
        if (open < 0) {
            return false;
        }
        int close = Math.max(text.lastIndexOf("%}", at), text.lastIndexOf("}}", at));
        return close < open;
    }
}
