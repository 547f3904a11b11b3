package dev.parley.worker.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cases of llama.cpp's {@code tests/test-chat-template.cpp}, read from its C++ source: each a template, the
 * rendering llama.cpp's Jinja path expects for the test conversation, the BOS/EOS texts and extra messages.
 */
final class CppTemplateCases {

    /** The test's conversation (llama.cpp's {@code conversation}). */
    static final List<String[]> CONVERSATION = List.of(
            new String[] {"system", "You are a helpful assistant"},
            new String[] {"user", "Hello"},
            new String[] {"assistant", "Hi there"},
            new String[] {"user", "Who are you"},
            new String[] {"assistant", "   I am an assistant   "},
            new String[] {"user", "Another question"});

    record Case(String name, String template, String expected, String bos, String eos, boolean jinja,
                List<String[]> extra) {
        @Override
        public String toString() {
            return name;
        }

        List<Map<String, Object>> messages() {
            List<Map<String, Object>> messages = new ArrayList<>();
            for (String[] message : CONVERSATION) {
                messages.add(ChatTemplate.message(message[0], message[1]));
            }
            for (String[] message : extra) {
                messages.add(ChatTemplate.message(message[0], message[1]));
            }
            return messages;
        }
    }

    private static final Pattern FIELD = Pattern.compile("/\\* \\.(\\w+)=? \\*/");

    private CppTemplateCases() {
    }

    static List<Case> parse(String source) {
        int start = source.indexOf("std::vector<TestCase> test_cases {");
        int end = source.indexOf("\n    };", start);
        String block = source.substring(start, end);
        List<Case> cases = new ArrayList<>();
        String[] chunks = block.split("/\\* \\.name= \\*/");
        for (int i = 1; i < chunks.length; i++) {
            cases.add(parseCase("/* .name= */" + chunks[i]));
        }
        return cases;
    }

    private static Case parseCase(String chunk) {
        Map<String, String> fields = new LinkedHashMap<>();
        List<String[]> extra = new ArrayList<>();
        Matcher field = FIELD.matcher(chunk);
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (field.find()) {
            names.add(field.group(1));
            spans.add(new int[] {field.end()});
        }
        for (int f = 0; f < names.size(); f++) {
            int from = spans.get(f)[0];
            int to = f + 1 < names.size() ? chunk.lastIndexOf("/*", spans.get(f + 1)[0] - 1) : chunk.length();
            String text = chunk.substring(from, to);
            if (names.get(f).equals("extra_conversation")) {
                List<String> strings = literals(text);
                for (int s = 0; s + 1 < strings.size(); s += 2) {
                    extra.add(new String[] {strings.get(s), strings.get(s + 1)});
                }
            } else if (names.get(f).equals("supported_with_jinja")) {
                fields.put("supported_with_jinja", text.strip().startsWith("false") ? "false" : "true");
            } else {
                fields.put(names.get(f), String.join("", literals(text)));
            }
        }
        String jinjaExpected = fields.getOrDefault("expected_output_jinja", "");
        return new Case(fields.get("name"), fields.get("template_str"),
                jinjaExpected.isEmpty() ? fields.get("expected_output") : jinjaExpected,
                fields.getOrDefault("bos_token", ""), fields.getOrDefault("eos_token", ""),
                !"false".equals(fields.get("supported_with_jinja")), extra);
    }

    /** The C++ string literals in {@code text}, in order, unescaped (a {@code //} comment outside them ends it). */
    static List<String> literals(String text) {
        List<String> strings = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
                int newline = text.indexOf('\n', i);
                i = newline < 0 ? text.length() : newline;
            } else if (c == '"') {
                StringBuilder out = new StringBuilder();
                i++;
                while (text.charAt(i) != '"') {
                    char d = text.charAt(i++);
                    if (d == '\\') {
                        char e = text.charAt(i++);
                        out.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        out.append(d);
                    }
                }
                strings.add(out.toString());
                i++;
            } else {
                i++;
            }
        }
        return strings;
    }
}
