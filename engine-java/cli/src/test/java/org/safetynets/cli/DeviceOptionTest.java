package org.safetynets.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --device N}: a device of a named backend; with auto, a negative number or the CPU backend a one-line error. */
class DeviceOptionTest {
    private static void assertRefused(Cli run, String line) {
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
        assertEquals(line, run.err().strip(), run::transcript);
    }

    private static Cli demo(String backend, String device) {
        return Cli.run("demo", "--model", "random", "--batch", "1", "--backend", backend, "--device", device);
    }

    @Test
    void aDeviceNeedsABackendsName() {
        assertRefused(demo("auto", "0"),
                "error: --device: needs --backend cuda or --backend opencl: device numbers belong to one backend's list");
    }

    @Test
    void aNegativeDeviceIsAUsageError() {
        assertRefused(demo("opencl", "-1"), "error: --device: must be a device number from `safetynets backends` (0 or more), got -1");
    }

    @Test
    void theCpuBackendHasNoDevices() {
        assertRefused(demo("cpu", "0"), "error: backend 'cpu' runs on the host's cores and has no device 0 to choose");
    }
}
