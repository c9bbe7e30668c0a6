package org.safetynets.cuda;

import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider as ServiceLoader and the CLI see it, with or without a GPU: registered first under auto, never
 * throwing, one clear line when unavailable, and auto falling back with one warning.
 */
class CudaBackendProviderTest {
    private static CudaBackendProvider registered() {
        for (BackendProvider p : Backends.providers()) if (p instanceof CudaBackendProvider c) return c;
        return null;
    }

    @Test
    void registeredAsCudaFirstUnderAuto() {
        CudaBackendProvider provider = registered();
        assertNotNull(provider, "META-INF/services registers the CUDA provider");
        assertEquals("cuda", provider.name());
        assertEquals(10, provider.autoPriority());
        assertTrue(Backends.providers().get(0) instanceof CudaBackendProvider, "CUDA comes before every other backend under auto");
    }

    /** Runs everywhere: with a GPU it is used and listed; without one, the reason is one clear line. */
    @Test
    void reportsAOneLineReasonOrTheDeviceItUses() {
        CudaBackendProvider provider = new CudaBackendProvider();
        String reason = provider.unavailableReason();
        List<String> devices = provider.devices();
        if (reason == null) {
            assertTrue(devices.stream().anyMatch(d -> d.endsWith(": used")), devices::toString);
        } else {
            assertFalse(reason.isBlank());
            assertFalse(reason.contains("\n") || reason.contains("\r"), reason);
            assertTrue(reason.length() < 300, reason);
            assertTrue(devices.stream().noneMatch(d -> d.endsWith(": used")), devices::toString);
            assertFalse("1".equals(System.getenv(CudaRequirement.VARIABLE)), "CUDA required but unavailable: " + reason);
        }
        assertEquals(reason, provider.unavailableReason(), "the probe's answer is cached");
        assertEquals(reason, new CudaBackendProvider().unavailableReason(), "and shared by every provider instance");
    }

    /** Without libcuda.so.1 (this project's CI) the reason names the library that is missing. */
    @Test
    void withoutTheDriverTheReasonNamesLibcuda() {
        CudaDevices.Probe probe = CudaDevices.probe();
        if (probe.driverVersion() == 0 && probe.unavailableReason() != null && probe.unavailableReason().contains("libcuda")) {
            assertEquals("NVIDIA driver not found (libcuda.so.1: cannot open shared object file: No such file or directory)",
                    probe.unavailableReason());
            assertEquals(List.of(), probe.devices());
        }
        assertEquals("libcuda.so.1: cannot open shared object file: No such file or directory",
                CudaDevices.linkFailure(new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                        + "Stack trace from the attempt to load the library as a resource:\n"
                        + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory\n"
                        + "\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)")));
        assertEquals("NoClassDefFoundError: Could not initialize class jcuda.driver.JCudaDriver",
                CudaDevices.linkFailure(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver\nmore")));
    }

    @Test
    void openingWhereUnavailableIsBackendUnavailableWithTheReason() {
        CudaBackendProvider provider = new CudaBackendProvider();
        String reason = provider.unavailableReason();
        if (reason == null) {
            try (Backend backend = provider.open(0)) {
                assertEquals("cuda", backend.name());
                assertTrue(backend.description().startsWith("cuda: "), backend.description());
            }
        } else {
            BackendUnavailable e = assertThrows(BackendUnavailable.class, () -> provider.open(0));
            assertEquals("backend 'cuda' is unavailable: " + reason, e.getMessage());
            BackendUnavailable named = assertThrows(BackendUnavailable.class, () -> Backends.open("cuda", 0, w -> { }));
            assertTrue(named.getMessage().startsWith("backend 'cuda' is unavailable: " + reason + "; available: "), named.getMessage());
        }
    }

    @Test
    void autoPicksCudaWhereAvailableAndOtherwiseSaysWhyItSkippedIt() {
        List<String> warnings = new ArrayList<>();
        String reason = new CudaBackendProvider().unavailableReason();
        try (Backend backend = Backends.open("auto", 0, warnings::add)) {
            if (reason == null) {
                assertEquals("cuda", backend.name());
                assertEquals(List.of(), warnings);
            } else {
                assertEquals("cpu", backend.name(), "the CPU backend (test class path) is next");
                assertEquals(List.of("backend cuda skipped: " + reason), warnings);
            }
        }
    }
}
