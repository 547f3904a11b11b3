package dev.parley.schemas.validation;

/**
 * One schema violation.
 *
 * @param field   JSON path of the offending field, e.g. {@code $.messages[0].role}
 * @param message what is wrong with it
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return message;
    }
}
