package org.safetynets.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/safetynets-spark's logging: a failed job prints its one line, not Spark's copies of the error with stack traces. */
class LauncherLoggingTest {
    @Test
    void taskFailuresAreNotLoggedAndOtherErrorsAre() throws IOException {
        LoggerContext context = new LoggerContext("launcher");
        try (InputStream in = LauncherLoggingTest.class.getResourceAsStream("/safetynets-spark-log4j2.properties")) {
            assertTrue(in != null, "the launcher's configuration is on the class path");
            context.start(new PropertiesConfigurationFactory().getConfiguration(context, new ConfigurationSource(in)));
        }
        try {
            for (String quiet : new String[]{"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
                    "org.apache.spark.SparkContext", "org.apache.spark.storage.ShuffleBlockFetcherIterator"}) {
                assertFalse(context.getLogger(quiet).isEnabled(Level.ERROR), quiet);
            }
            assertTrue(context.getLogger("org.apache.spark.scheduler.DAGScheduler").isEnabled(Level.ERROR));
            assertFalse(context.getLogger("org.apache.spark.scheduler.DAGScheduler").isEnabled(Level.WARN));
        } finally {
            context.stop();
        }
    }
}
