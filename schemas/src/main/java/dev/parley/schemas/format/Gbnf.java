package dev.parley.schemas.format;

/**
 * Pieces of GBNF, llama.cpp's grammar notation: literal escaping and the rules of plain JSON that every grammar
 * shares. Whitespace and number digits are bounded, so a sampler at a high temperature cannot loop on spaces or on
 * {@code 0.0000...} until the token budget is gone.
 */
final class Gbnf {

    /** Whitespace between tokens: at most 16 spaces, tabs or newlines. */
    static final String WS = "ws ::= [ \\t\\n]{0,16}";

    /** The rules of any JSON value, with {@code value}, {@code object} and {@code array} as entry points. */
    static final String JSON_RULES = String.join("\n",
            "value ::= object | array | string | number | boolean | null",
            "object ::= \"{\" ws ( string ws \":\" ws value ws ( \",\" ws string ws \":\" ws value ws )* )? \"}\"",
            "array ::= \"[\" ws ( value ws ( \",\" ws value ws )* )? \"]\"",
            "string ::= \"\\\"\" char* \"\\\"\"",
            "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} )",
            "number ::= integer ( \".\" [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?",
            "integer ::= \"-\"? ( \"0\" | [1-9] [0-9]{0,15} )",
            "boolean ::= \"true\" | \"false\"",
            "null ::= \"null\"",
            WS);

    private Gbnf() {
    }

    /** A GBNF string literal matching {@code text} exactly. */
    static String literal(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02X", (int) c));
                    } else {
                        out.append(c); // llama.cpp reads UTF-8 in literals
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** A rule name made of {@code hint}'s letters and digits, as GBNF allows ({@code [a-zA-Z0-9-]+}). */
    static String ruleName(String hint) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hint.length() && out.length() < 24; i++) {
            char c = hint.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                out.append(Character.toLowerCase(c));
            } else if (out.length() > 0 && out.charAt(out.length() - 1) != '-') {
                out.append('-');
            }
        }
        while (out.length() > 0 && out.charAt(out.length() - 1) == '-') {
            out.setLength(out.length() - 1);
        }
        return out.length() == 0 ? "x" : out.toString();
    }

    /** {@code {min,max}} or {@code {min,}} after an item; {@code max} < 0 means unbounded. */
    static String repeat(int min, int max) {
        if (max < 0) {
            return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
        }
        if (min == 0 && max == 1) {
            return "?";
        }
        return min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
    }
}
