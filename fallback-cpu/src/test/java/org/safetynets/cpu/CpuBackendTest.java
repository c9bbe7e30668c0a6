package org.safetynets.cpu;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendContractTest;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.layer.Network;
import org.safetynets.model.PaperArchitecture;
import org.safetynets.model.Model;
import org.safetynets.model.ValueBounds;
import org.safetynets.proof.InputBatch;
import org.safetynets.model.TestModels;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CPU backend under the shared contract with 1, 2 and 8 threads, and what is particular to it. */
class CpuBackendTest {
    @Nested
    class OneThread extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(1);
        }
    }

    @Nested
    class TwoThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(2);
        }
    }

    @Nested
    class EightThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(8);
        }
    }

    /** Every tensor compacted, however small (the default compacts only large ones), so the kernels read narrow values. */
    @Nested
    class TwoThreadsCompactingEverything extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(2, Simd.byDefault(), 0);
        }
    }

    /** The scalar kernels, which a JVM without the Vector API (or with -Dsafetynets.cpu.simd=off) runs. */
    @Nested
    class ScalarTwoThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(2, false);
        }
    }

    /** The SIMD kernels with any lane count (the default takes them only with 8 lanes). */
    @Nested
    class SimdTwoThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            assumeTrue(Simd.usable(), "this JVM has no jdk.incubator.vector module");
            return new CpuBackend(2, true);
        }
    }

    @Test
    void simdSettingIsFollowedOrNamedAsTheReason() {
        CpuBackendProvider provider = new CpuBackendProvider();
        try {
            System.setProperty(Simd.PROPERTY, "fast");
            assertEquals("-Dsafetynets.cpu.simd must be auto, on or off, not 'fast'", provider.unavailableReason());
            BackendUnavailable e = assertThrows(BackendUnavailable.class, () -> provider.open(1));
            assertTrue(e.getMessage().contains("not 'fast'"), e.getMessage());
            System.setProperty(Simd.PROPERTY, "off");
            assertEquals(null, provider.unavailableReason());
            try (Backend backend = provider.open(1)) {
                assertEquals("cpu: 1 thread (Java, scalar)", backend.description());
            }
            System.setProperty(Simd.PROPERTY, "on");
            assertEquals(null, provider.unavailableReason()); // these tests run with the module
            try (Backend backend = provider.open(1)) {
                assertTrue(backend.description().contains("SIMD"), backend.description());
            }
        } finally {
            System.clearProperty(Simd.PROPERTY);
        }
    }

    @Test
    void testJvmsHaveTheVectorModule() {
        // The build's surefire argLine adds it, as bin/safetynets does: without it the SIMD kernels go untested.
        assertTrue(Simd.usable(), "tests run without --add-modules jdk.incubator.vector");
    }

    private static final long P = (1L << 61) - 1;

    private static long[] random(Random random, int n, boolean small) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = small ? Math.floorMod(random.nextInt(255) - 127, P) : Math.floorMod(random.nextLong(), P);
        return out;
    }

    private static long[] matmul(Backend backend, long[] a, long[] b, int rows, int inner, int cols) {
        try (DeviceTensor ta = backend.upload(a); DeviceTensor tb = backend.upload(b);
             DeviceTensor tc = backend.matmul(ta, tb, rows, inner, cols)) {
            return backend.download(tc);
        }
    }

    private static long[] conv(Backend backend, long[] kernel, long[] input, ConvGeometry g) {
        try (DeviceTensor tk = backend.upload(kernel); DeviceTensor tx = backend.upload(input);
             DeviceTensor ty = backend.conv2d(tk, tx, g)) {
            return backend.download(ty);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Random random = new Random(42);
        ConvGeometry g = new ConvGeometry(new Layout(new Shape(8, 14, 14), 32), 16, 5, 1, 2);
        Layout in = g.input();
        for (boolean small : new boolean[]{false, true}) {
            long[] a = random(random, 96 * 200, small);
            long[] b = random(random, 200 * 128, small);
            long[] kernel = random(random, g.output().shape().paddedChannels() * g.kernelColumns(), small);
            long[] input = new long[in.size()];
            long[] real = random(random, in.size(), small);
            for (int c = 0; c < 8; c++)
                for (int h = 0; h < 14; h++)
                    for (int w = 0; w < 14; w++)
                        for (int bt = 0; bt < 32; bt++) input[in.index(c, h, w, bt)] = real[in.index(c, h, w, bt)];
            try (Backend one = new CpuBackend(1); Backend eight = new CpuBackend(8)) {
                assertArrayEquals(matmul(one, a, b, 96, 200, 128), matmul(eight, a, b, 96, 200, 128), "matmul small=" + small);
                assertArrayEquals(conv(one, kernel, input, g), conv(eight, kernel, input, g), "conv small=" + small);
            }
        }
    }

    @Test
    void foundByNameAndUnderAuto() {
        try (Backend cpu = Backends.open("cpu", 2, message -> { })) {
            assertEquals("cpu", cpu.name());
            assertTrue(cpu.description().startsWith("cpu: 2 threads (Java, "), cpu.description());
        }
        List<String> warnings = new ArrayList<>();
        // Only the CPU provider is on this module's class path, so "auto" must settle on it without a warning.
        try (Backend auto = Backends.open("auto", 1, warnings::add)) {
            assertEquals("cpu", auto.name());
            assertEquals(List.of(), warnings);
        }
        BackendUnavailable e = assertThrows(BackendUnavailable.class, () -> Backends.open("nosuch", 1, message -> { }));
        assertTrue(e.getMessage().contains("cpu"), e.getMessage());
    }

    @Test
    void providerOpensEveryCoreForZero() {
        CpuBackendProvider provider = new CpuBackendProvider();
        assertEquals("cpu", provider.name());
        assertEquals(100, provider.autoPriority());
        assertEquals(null, provider.unavailableReason());
        try (Backend backend = provider.open(0)) {
            int cores = Runtime.getRuntime().availableProcessors();
            assertTrue(backend.description().startsWith("cpu: " + cores + " thread"), backend.description());
        }
        assertThrows(IllegalArgumentException.class, () -> provider.open(-1));
    }

    @Test
    void tracksOpenTensorsAndRejectsForeignOrClosedOnes() {
        try (CpuBackend backend = new CpuBackend(2); CpuBackend other = new CpuBackend(1)) {
            DeviceTensor t = backend.upload(new long[]{1, 2, 3});
            assertEquals(1, backend.openTensors());
            assertThrows(IllegalArgumentException.class, () -> other.download(t));
            t.close();
            t.close();
            assertEquals(0, backend.openTensors());
            assertThrows(IllegalStateException.class, () -> backend.download(t));
            assertThrows(IllegalArgumentException.class, () -> backend.upload(new long[]{P}));
        }
    }

    @Test
    void compactHoldsTheNarrowestTypeOfTheBoundAndChecksIt() {
        try (CpuBackend backend = new CpuBackend(2, Simd.byDefault(), 0)) {
            long[] bounds = {0, 127, 128, 32_767, 32_768, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L};
            int[] expected = {1, 1, 2, 2, 4, 4, 8};
            for (int i = 0; i < bounds.length; i++) {
                long b = bounds[i];
                long[] x = {Math.floorMod(b, P), Math.floorMod(-b, P), 0};
                try (DeviceTensor t = backend.compact(backend.upload(x), b)) {
                    assertEquals(expected[i], backend.bytesPerElement(t), "bound " + b);
                    assertArrayEquals(x, backend.download(t), "bound " + b);
                    assertEquals(8, backend.bytesPerElement(t), "widened once read, bound " + b);
                }
            }
            // A value beyond the bound it is compacted under is an error, not a silently wrapped byte.
            try (DeviceTensor t = backend.upload(new long[] {0, 128, 5})) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.compact(t, 127));
                assertEquals("element 1 is 128, beyond the bound 127 it was compacted under", e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> backend.compact(t, -1));
                assertArrayEquals(new long[] {0, 128, 5}, backend.download(t));
            }
            assertEquals(0, backend.openTensors());
        }
    }

    /** By default a tensor below the compaction size stays field elements (compacting it would cost more than it saves). */
    @Test
    void compactLeavesTensorsBelowTheCompactionSizeWide() {
        try (CpuBackend backend = new CpuBackend(2, Simd.byDefault(), 4)) {
            try (DeviceTensor small = backend.compact(backend.upload(new long[] {1, 2, 3}), 3);
                 DeviceTensor large = backend.compact(backend.upload(new long[] {1, 2, 3, 0}), 3)) {
                assertEquals(8, backend.bytesPerElement(small));
                assertEquals(1, backend.bytesPerElement(large));
                assertArrayEquals(new long[] {1, 2, 3}, backend.download(small));
                assertArrayEquals(new long[] {1, 2, 3, 0}, backend.download(large));
            }
        }
        try (CpuBackend backend = new CpuBackend(2)) {
            try (DeviceTensor t = backend.compact(backend.upload(new long[] {1, 2, 3}), 3)) {
                assertEquals(8, backend.bytesPerElement(t), "default: compacts from " + CpuBackend.COMPACT_MIN_ELEMENTS + " elements");
            }
        }
    }

    /**
     * The prover's forward pass leaves every activation it keeps for the backward pass in the narrowest type its proven
     * bound allows (the paper's MNIST CNN: the input and the first convolution in bytes, ...), and the output as field
     * elements.
     */
    @Test
    void forwardPassKeepsEachActivationInTheNarrowestTypeOfItsBound() {
        Model model = PaperArchitecture.MNIST_CNN.randomModel(1);
        Network network = Network.compile(model, 4);
        List<ValueBounds.LayerBound> bounds = ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers()).layers();
        try (CpuBackend backend = new CpuBackend(2, Simd.byDefault(), 0)) {
            List<DeviceTensor> activations = network.forward(backend, backend.upload(InputBatch.of(model, TestModels.inputs(model, 4, 1)).padded()));
            try {
                List<Network.Step> steps = network.steps();
                for (int i = 0; i < steps.size(); i++) {
                    long magnitude = i == 0 ? Math.max(Math.abs(model.inputMin()), model.inputMax()) : steps.get(i - 1).outputMagnitude();
                    int bytes = magnitude <= Byte.MAX_VALUE ? 1 : magnitude <= Short.MAX_VALUE ? 2 : magnitude <= Integer.MAX_VALUE ? 4 : 8;
                    assertEquals(bytes, backend.bytesPerElement(activations.get(i)), "activation " + i + " (bound " + magnitude + ")");
                }
                assertEquals(8, backend.bytesPerElement(activations.get(steps.size())), "the output");
                // Each step's bound is the model's bound after its last layer (x^2 then pool: the pool's).
                assertEquals(bounds.get(0).magnitude().longValueExact(), steps.get(0).outputMagnitude());
                assertEquals(bounds.get(2).magnitude().longValueExact(), steps.get(1).outputMagnitude());
            } finally {
                for (DeviceTensor t : activations) t.close();
            }
            assertEquals(0, backend.openTensors());
        }
    }
}
