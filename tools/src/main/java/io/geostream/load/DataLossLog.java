package io.geostream.load;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the ERROR events logged in this JVM (the MiniCluster's tasks included) that say data may have been lost:
 * Flink's Kafka committer logs "... most likely signals data loss" when it cannot commit a transaction because its
 * producer was fenced, and "... data has been potentially lost" on any other commit error. A log4j2 appender on the
 * root logger, added by {@link #install} and removed by {@link #close}.
 */
public final class DataLossLog implements AutoCloseable {

    private final LoggerContext context;
    private final Appender appender;

    private DataLossLog(LoggerContext context, Appender appender) {
        this.context = context;
        this.appender = appender;
    }

    /** Starts counting. */
    public static DataLossLog install() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender appender = new Appender();
        appender.start();
        context.getConfiguration().getRootLogger().addAppender(appender, Level.ERROR, null);
        context.updateLoggers();
        return new DataLossLog(context, appender);
    }

    /** Whether an ERROR message says data may be lost. */
    static boolean saysDataLoss(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("data loss") || m.contains("potentially lost");
    }

    /** Such errors so far. */
    public long count() {
        return appender.count.get();
    }

    /** The first such message (null: none). */
    public String first() {
        return appender.first;
    }

    @Override
    public void close() {
        if (!appender.isStarted()) return;
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }

    private static final class Appender extends AbstractAppender {
        private final AtomicLong count = new AtomicLong();
        private volatile String first;

        Appender() {
            super("geostream-data-loss", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (!event.getLevel().isMoreSpecificThan(Level.ERROR)) return;
            String message = event.getMessage().getFormattedMessage();
            if (message == null || !saysDataLoss(message)) return;
            if (count.incrementAndGet() == 1) first = event.getLoggerName() + ": " + message;
        }
    }
}
