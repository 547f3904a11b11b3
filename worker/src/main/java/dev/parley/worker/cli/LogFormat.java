package dev.parley.worker.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** Switches Logback between the text layout ({@code logback.xml}) and JSON lines ({@code logback-json.xml}). */
public final class LogFormat {

    private LogFormat() {
    }

    /** Applies {@code text} or {@code json}; does nothing for text, which is the default configuration. */
    public static void apply(String format) {
        if (!"json".equals(format) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        URL config = LogFormat.class.getClassLoader().getResource("logback-json.xml");
        if (config == null) {
            throw new IllegalStateException("logback-json.xml is missing from the class path");
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure JSON logging: " + e.getMessage(), e);
        }
    }
}
