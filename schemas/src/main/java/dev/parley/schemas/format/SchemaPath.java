package dev.parley.schemas.format;

/**
 * Where a schema node sits, as a chain of segments joined only when an error names it: building every node's path as
 * text would cost the schema's size at each node (quadratic for long property names).
 */
final class SchemaPath {

    private final SchemaPath parent;
    private final String segment;

    private SchemaPath(SchemaPath parent, String segment) {
        this.parent = parent;
        this.segment = segment;
    }

    static SchemaPath of(String root) {
        return new SchemaPath(null, root);
    }

    /** The path of a member, e.g. {@code .properties.name} or {@code [2]}. */
    SchemaPath then(String segment) {
        return new SchemaPath(this, segment);
    }

    /** {@code .keyword} below this node. */
    SchemaPath dot(String keyword) {
        return then("." + keyword);
    }

    @Override
    public String toString() {
        return parent == null ? segment : parent + segment;
    }
}
