package org.safetynets.service;

import org.junit.jupiter.api.Test;

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
}
