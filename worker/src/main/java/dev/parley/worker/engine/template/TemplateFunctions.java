package dev.parley.worker.engine.template;

import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;

/** The global functions Hugging Face's chat-template environment adds to Jinja's. */
final class TemplateFunctions {

    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template refuses the conversation (say, roles that do not alternate). */
    public static Object raiseException(String message) {
        throw new TemplateRefusal(message);
    }

    /** {@code strftime_now(format)}: today's date for templates that print it (Llama 3.x), in UTC. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(ZoneOffset.UTC), format, Locale.ROOT);
    }

    /** What {@code raise_exception} throws; its message is the template's own. */
    static final class TemplateRefusal extends RuntimeException {
        TemplateRefusal(String message) {
            super(message);
        }
    }
}
