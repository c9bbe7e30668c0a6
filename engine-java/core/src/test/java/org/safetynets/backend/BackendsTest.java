package org.safetynets.backend;

import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Choosing a backend: "auto" takes the first that can run and says in one line why each earlier one was skipped; an
 * explicit name fails with the reason and what is available. Providers here are small SPI implementations that
 * open the reference backend or refuse with a reason, as a missing device would.
 */
class BackendsTest {
    /** A provider that is unavailable for {@code reason}, or that fails only when opened, or that opens the reference. */
    private record Provider(String name, int autoPriority, String reason, boolean failsToOpen) implements BackendProvider {
        @Override
        public String unavailableReason() {
            return reason;
        }

        @Override
        public Backend open(int threads) {
            if (failsToOpen) throw new BackendUnavailable("kernels do not build on the device");
            return new ReferenceBackend();
        }
    }

    private final Provider missingLibrary = new Provider("cuda", 10, "libcuda.so.1 not found", false);
    private final Provider brokenCompiler = new Provider("opencl", 20, null, true);
    private final Provider working = new Provider("reference", 100, null, false);

    @Test
    void autoSkipsUnavailableBackendsWithOneLineEach() {
        List<String> warnings = new ArrayList<>();
        try (Backend backend = Backends.open("auto", 1, warnings::add, List.of(missingLibrary, brokenCompiler, working))) {
            assertEquals("reference", backend.name());
        }
        assertEquals(List.of("backend cuda skipped: libcuda.so.1 not found",
                "backend opencl skipped: kernels do not build on the device"), warnings);
    }

    @Test
    void autoWithNothingAvailableNamesWhatWasFound() {
        BackendUnavailable e = assertThrows(BackendUnavailable.class,
                () -> Backends.open("auto", 1, w -> { }, List.of(missingLibrary, brokenCompiler)));
        assertEquals("no backend is available (found: cuda, opencl)", e.getMessage());
    }

    @Test
    void anExplicitUnavailableBackendIsAnErrorWithTheReasonAndTheAlternatives() {
        BackendUnavailable e = assertThrows(BackendUnavailable.class,
                () -> Backends.open("cuda", 1, w -> { }, List.of(missingLibrary, working)));
        assertEquals("backend 'cuda' is unavailable: libcuda.so.1 not found; available: reference", e.getMessage());
        BackendUnavailable unknown = assertThrows(BackendUnavailable.class,
                () -> Backends.open("tpu", 1, w -> { }, List.of(missingLibrary, working)));
        assertTrue(unknown.getMessage().startsWith("unknown backend 'tpu'; available: reference"), unknown.getMessage());
    }

    @Test
    void anExplicitBackendThatFailsToOpenIsNotReplaced() {
        BackendUnavailable e = assertThrows(BackendUnavailable.class,
                () -> Backends.open("opencl", 1, w -> { }, List.of(brokenCompiler, working)));
        assertEquals("kernels do not build on the device", e.getMessage());
    }

    /** Two devices, 0 usable and 1 not, behind a provider that opens the reference backend on the one it picks. */
    private record Gpu(int number, String reason) {
    }

    private record ProviderWithDevices(List<Gpu> gpus, List<Integer> opened) implements BackendProvider {
        @Override
        public String name() {
            return "gpu";
        }

        @Override
        public int autoPriority() {
            return 10;
        }

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public Backend open(int threads) {
            return open(threads, 0);
        }

        @Override
        public Backend open(int threads, int device) {
            opened.add(DeviceNumber.pick(name(), gpus, device, Gpu::number, Gpu::reason, g -> "GPU " + g.number()).number());
            return new ReferenceBackend();
        }
    }

    @Test
    void aDeviceNumberOpensThatDeviceAndNamesAMissingOrUnusableOne() {
        ProviderWithDevices gpus = new ProviderWithDevices(List.of(new Gpu(0, null), new Gpu(1, "compute capability 6.1")), new ArrayList<>());
        try (Backend backend = Backends.open("gpu", 0, OptionalInt.of(0), w -> { }, List.of(gpus, working))) {
            assertEquals("reference", backend.name());
        }
        assertEquals(List.of(0), gpus.opened());
        BackendUnavailable unusable = assertThrows(BackendUnavailable.class,
                () -> Backends.open("gpu", 0, OptionalInt.of(1), w -> { }, List.of(gpus, working)));
        assertEquals("backend 'gpu' cannot use device 1, GPU 1: compute capability 6.1", unusable.getMessage());
        BackendUnavailable missing = assertThrows(BackendUnavailable.class,
                () -> Backends.open("gpu", 0, OptionalInt.of(7), w -> { }, List.of(gpus, working)));
        assertEquals("backend 'gpu' has no device 7 (its devices: 0, 1)", missing.getMessage());
        assertEquals(List.of(0), gpus.opened(), "nothing opened on a refused device");
    }

    @Test
    void aBackendWithoutDevicesRefusesADeviceNumber() {
        BackendUnavailable e = assertThrows(BackendUnavailable.class,
                () -> Backends.open("reference", 1, OptionalInt.of(0), w -> { }, List.of(working)));
        assertEquals("backend 'reference' runs on the host's cores and has no device 0 to choose", e.getMessage());
        BackendUnavailable unavailable = assertThrows(BackendUnavailable.class,
                () -> Backends.open("cuda", 1, OptionalInt.of(0), w -> { }, List.of(missingLibrary, working)));
        assertEquals("backend 'cuda' is unavailable: libcuda.so.1 not found; available: reference", unavailable.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.open("auto", 1, OptionalInt.of(0), w -> { }, List.of(working)));
    }

    @Test
    void aDeviceListWithNothingInItSaysSo() {
        BackendUnavailable e = assertThrows(BackendUnavailable.class,
                () -> DeviceNumber.pick("gpu", List.<Gpu>of(), 0, Gpu::number, Gpu::reason, g -> "GPU"));
        assertEquals("backend 'gpu' has no device 0 (it found none)", e.getMessage());
    }

    @Test
    void providersWithoutDevicesListNone() {
        assertEquals(List.of(), working.devices());
    }
}
