package org.safetynets.opencl;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider as ServiceLoader and the CLI see it: registered, never throwing, consistent with its devices. */
class OpenClBackendProviderTest {
    private static OpenClBackendProvider registered() {
        for (BackendProvider p : Backends.providers()) if (p instanceof OpenClBackendProvider o) return o;
        return null;
    }

    @Test
    void registeredAfterCudaAndBeforeTheCpuUnlessTheDeviceIsACpu() {
        OpenClBackendProvider provider = registered();
        assertNotNull(provider, "META-INF/services registers the OpenCL provider");
        assertEquals("opencl", provider.name());
        OpenClDevices.Device chosen = OpenClDevices.probe().chosen();
        boolean cpuDevice = chosen != null && chosen.type().equals("CPU");
        assertEquals(cpuDevice ? OpenClBackendProvider.CPU_DEVICE_PRIORITY : 20, provider.autoPriority());
        assertTrue(cpuDevice ? provider.autoPriority() > 100 : provider.autoPriority() < 100, "the CPU backend has 100");
    }

    /** Runs everywhere: with a device it is used and listed; without one, the reason is one clear line. */
    @Test
    void reportsAReasonOrTheDeviceItUses() {
        OpenClBackendProvider provider = new OpenClBackendProvider();
        String reason = provider.unavailableReason();
        List<String> devices = provider.devices();
        if (reason == null) {
            assertTrue(devices.stream().anyMatch(d -> d.endsWith(": used")), devices::toString);
        } else {
            assertFalse(reason.isBlank());
            assertFalse(reason.contains("\n"), reason);
            assertTrue(devices.stream().noneMatch(d -> d.endsWith(": used")), devices::toString);
            assertFalse("1".equals(System.getenv(OpenClRequirement.VARIABLE)), "OpenCL required but unavailable: " + reason);
        }
        assertEquals(reason, provider.unavailableReason(), "the probe's answer is cached");
    }

    @Test
    void autoPicksAnOpenClGpuWhereUsableAndOtherwiseSaysWhyItSkippedIt() {
        List<String> warnings = new ArrayList<>();
        String reason = new OpenClBackendProvider().unavailableReason();
        try (Backend backend = Backends.open("auto", 0, warnings::add)) {
            if (reason == null && new OpenClBackendProvider().autoPriority() > 100) {
                assertEquals("cpu", backend.name(), "an OpenCL CPU device comes after the CPU backend");
                assertEquals(List.of(), warnings);
            } else if (reason == null) {
                assertEquals("opencl", backend.name());
                assertTrue(backend.description().startsWith("opencl: "), backend.description());
                assertEquals(List.of(), warnings);
            } else {
                assertEquals(List.of("backend opencl skipped: " + reason), warnings);
            }
        }
    }

    /** {@code --device N}: each usable device listed opens by its number; a number past the list is named. */
    @Test
    void opensTheDeviceItIsGivenByNumber() {
        OpenClDevices.Probe probe = OpenClDevices.probe();
        Assumptions.assumeTrue(probe.chosen() != null, () -> "no OpenCL device: " + probe.unavailableReason());
        for (OpenClDevices.Device device : probe.devices()) {
            if (!device.usable()) continue;
            try (Backend backend = Backends.open("opencl", 0, OptionalInt.of(device.index()), w -> { })) {
                assertTrue(backend.description().contains(device.name()), backend.description() + " / " + device.name());
            }
        }
        int past = probe.devices().size();
        BackendUnavailable e = assertThrows(BackendUnavailable.class, () -> Backends.open("opencl", 0, OptionalInt.of(past), w -> { }));
        assertTrue(e.getMessage().startsWith("backend 'opencl' has no device " + past + " (its devices: 0"), e.getMessage());
    }
}
