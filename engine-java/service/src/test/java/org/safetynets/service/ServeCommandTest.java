package org.safetynets.service;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What `serve` tells its operator about the JDK it runs on. */
class ServeCommandTest {
    @Test
    void aCpuHostBeforeJdk25IsToldOfTheJitHazardAndNoOneElse() {
        String notice = ServeCommand.jdkNotice(17, "cpu");
        assertTrue(notice != null && notice.contains("JDK 17") && notice.contains("A JDK 17 hazard"), String.valueOf(notice));
        assertTrue(ServeCommand.jdkNotice(21, "cpu").contains("JDK 21"));
        assertNull(ServeCommand.jdkNotice(25, "cpu"));
        assertNull(ServeCommand.jdkNotice(26, "cpu"));
        assertNull(ServeCommand.jdkNotice(17, "opencl"));
        assertNull(ServeCommand.jdkNotice(17, "cuda"));
    }

    /** Each option out of range is a one-line usage error (exit 2) before any work: the models directory is not even looked at. */
    @Test
    void optionsOutOfRangeAreUsageErrorsBeforeAnyWork() {
        String[][] cases = {
            {"--session-timeout", "9999999999999999"},
            {"--session-timeout", "0"},
            {"--shutdown-grace", "-5"},
            {"--max-memory", "9007199254740993"},
            {"--max-memory", "-1"},
        };
        for (String[] option : cases) {
            StringWriter err = new StringWriter();
            int exit = ServiceMain.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "serve", "--models", "/nonexistent/models", option[0], option[1]);
            assertEquals(2, exit, option[0] + " " + option[1] + ": " + err);
            assertTrue(err.toString().startsWith("error: " + option[0]), option[0] + " " + option[1] + ": " + err);
            assertEquals(1, err.toString().strip().lines().count(), err.toString());
        }
    }
}
