package dev.parley.schemas.validation;

/** Renders offending values for error messages: short, single-line, never a whole prompt. */
final class Values {

    static final int MAX_SHOWN = 64;

    private Values() {
    }

    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        String oneLine = value.replace("\n", "\\n").replace("\r", "\\r");
        return oneLine.length() <= MAX_SHOWN ? oneLine : oneLine.substring(0, MAX_SHOWN) + "…(" + value.length() + " chars)";
    }
}
