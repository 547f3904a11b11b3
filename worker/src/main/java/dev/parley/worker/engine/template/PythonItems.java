package dev.parley.worker.engine.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jinja 3.1's {@code items} filter ({@code for name, schema in properties|items}), which Jinjava lacks. */
final class PythonItems implements Filter {

    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        List<Map.Entry<Object, Object>> items = new ArrayList<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> items.add(new AbstractMap.SimpleImmutableEntry<>(key, item)));
        }
        return items;
    }
}
