package dev.parley.worker.engine.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/** Jinja's {@code {% filter trim %}...{% endfilter %}} block, which Jinjava lacks (Firefunction's template uses it). */
final class FilterBlockTag implements Tag {

    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "filter";
    }

    @Override
    public String getEndTagName() {
        return "endfilter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        StringBuilder body = new StringBuilder();
        for (Node child : tagNode.getChildren()) {
            body.append(child.render(interpreter).getValue());
        }
        Object value = body.toString();
        for (String name : tagNode.getHelpers().trim().split("\\s*\\|\\s*")) {
            Filter filter = interpreter.getContext().getFilter(name);
            if (filter == null) {
                throw new TemplateException("unknown filter in {% filter " + name + " %}");
            }
            value = filter.filter(value, interpreter);
        }
        return String.valueOf(value);
    }
}
