package dev.parley.schemas.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test helper: the rules of a GBNF text and the rule names each one refers to (outside literals and classes). */
final class GbnfShape {

    private final Map<String, String> bodies = new LinkedHashMap<>();
    private final List<String> duplicates = new ArrayList<>();

    GbnfShape(String grammar) {
        for (String line : grammar.split("\n")) {
            int sep = line.indexOf(" ::= ");
            if (sep > 0 && bodies.put(line.substring(0, sep), line.substring(sep + 5)) != null) {
                duplicates.add(line.substring(0, sep));
            }
        }
    }

    int ruleCount() {
        return bodies.size();
    }

    List<String> duplicates() {
        return duplicates;
    }

    /** Names used but never defined. */
    Set<String> undefined() {
        Set<String> missing = new HashSet<>();
        for (String body : bodies.values()) {
            for (String name : references(body)) {
                if (!bodies.containsKey(name)) {
                    missing.add(name);
                }
            }
        }
        return missing;
    }

    /** The rules of plain JSON every grammar shares; they recurse by nature (a value holds values). */
    private static final Set<String> JSON_RULES = Set.of("value", "object", "array", "string", "char", "number",
            "integer", "boolean", "null", "ws");

    /** Rules of the schema (not plain JSON's) that can reach themselves, by depth-first search. */
    Set<String> cyclic() {
        Map<String, Integer> state = new HashMap<>();
        Set<String> cyclic = new HashSet<>();
        for (String name : bodies.keySet()) {
            if (JSON_RULES.contains(name)) {
                continue;
            }
            visit(name, state, new ArrayList<>(), cyclic);
        }
        return cyclic;
    }

    private void visit(String name, Map<String, Integer> state, List<String> stack, Set<String> cyclic) {
        Integer seen = state.get(name);
        if (seen != null) {
            if (seen == 1) {
                cyclic.addAll(stack.subList(stack.indexOf(name), stack.size()));
            }
            return;
        }
        if (JSON_RULES.contains(name)) {
            return;
        }
        state.put(name, 1);
        stack.add(name);
        for (String next : references(bodies.getOrDefault(name, ""))) {
            if (JSON_RULES.contains(next)) {
                continue;
            }
            visit(next, state, stack, cyclic);
        }
        stack.remove(stack.size() - 1);
        state.put(name, 2);
    }

    static List<String> references(String body) {
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c == '"' || c == '[') {
                char close = c == '"' ? '"' : ']';
                i++;
                while (i < body.length() && body.charAt(i) != close) {
                    i += body.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (Character.isLetterOrDigit(c)) {
                int start = i;
                while (i < body.length() && (Character.isLetterOrDigit(body.charAt(i)) || body.charAt(i) == '-')) {
                    i++;
                }
                String word = body.substring(start, i);
                if (!Character.isDigit(word.charAt(0))) { // {0,16} repetition counts are not names
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }
}
