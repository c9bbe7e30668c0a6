package org.safetynets.bench.compare;

import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.MalformedInput;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The harness on the CPU backend (the one on this module's test class path), on workloads small enough for a unit test. */
class ComparisonTest {
    private static final Model TINY = new Model("tiny", Shape.vector(6), -2, 2, 1, List.of(
            new Dense(4, 6, new long[] {1, -1, 0, 2, 1, 0, 0, 1, 1, -1, 0, 2, -2, 0, 1, 1, 1, 0, 1, 1, 0, 0, -1, 1}, new long[] {1, 0, -1, 2}, 1),
            new Square(),
            new Dense(3, 4, new long[] {1, 2, -1, 0, 0, 1, 1, 1, -1, 0, 0, 2}, new long[] {0, 1, 2}, 1)));

    @Test
    void measuresEveryRoleOfANetworkAndChecksWhatItMeasures() {
        List<String> progress = new ArrayList<>();
        Workload.Network tiny = Workload.Network.of("tiny", "test model", TINY, 3);
        Report report = Comparison.run(new CompareOptions(List.of(1, 5), 2, 1, 0, List.of("cpu"), List.of(tiny), 1), progress::add);
        assertEquals(2, report.rows().size());
        assertEquals(report.rows().stream().map(Row::host).toList(), report.hostRows());
        for (Row row : report.rows()) {
            assertTrue(row.measured(), row::toString);
            assertEquals(2, row.prover().seconds().length);
            assertTrue(row.prover().min() > 0 && row.host().verifier().min() > 0 && row.host().floatInference().min() > 0);
            assertTrue(row.host().proofBytes() > 0);
            assertTrue(row.peakHeapBytes() >= row.heapBaselineBytes() && row.heapBaselineBytes() > 0, row::toString);
            assertEquals(-1, row.devicePeakBytes(), "the CPU backend keeps tensors in the heap and reports no device memory");
            if (ProcessPeak.available()) {
                // A whole JVM that proved and verified: its resident peak is tens of MiB at least, and below the machine's memory.
                assertTrue(row.peakResidentBytes() > 16L << 20, row::toString);
                assertTrue(row.peakResidentBytes() < Runtime.getRuntime().maxMemory() * 4 + (1L << 30), row::toString);
                assertEquals((double) row.peakResidentBytes() / row.batch(), row.peakResidentBytesPerSample(), 1e-9);
            } else {
                assertEquals(-1, row.peakResidentBytes());
            }
            assertEquals(row.prover().median() / row.fieldInference().median(), row.proverOverField(), 1e-12);
            // The prepared prover made the same bytes (checked in the run) and was timed every run.
            assertEquals(row.prover().seconds().length, row.preparedProver().seconds().length);
            assertTrue(row.preparedProver().min() > 0, row::toString);
            assertEquals(row.preparedProver().median() / row.fieldInference().median(), row.preparedProverOverField(), 1e-12);
        }
        assertEquals(List.of(1, 5), report.rows().stream().map(Row::batch).toList());
        assertTrue(progress.stream().anyMatch(line -> line.contains("tiny batch 5")), progress::toString);
    }

    @Test
    void theMatrixProductHasNoProverAndCountsMultiplyAccumulates() {
        Report report = Comparison.run(new CompareOptions(List.of(1), 1, 0, 0, List.of(), List.of(new Workload.MatrixProduct(24)), 1), line -> { });
        Row row = report.rows().get(0);
        assertNull(row.prover());
        assertNull(row.preparedProver());
        assertNull(row.host().verifier());
        assertTrue(Double.isNaN(row.proverOverField()));
        assertEquals(24.0 * 24 * 24 / row.fieldInference().median(), row.fieldMacsPerSecond(), 1e-6);
    }

    /** A backend whose work completes only in synchronize(), after {@link #DEVICE_SECONDS}: a device whose launches only queue. */
    private static final double DEVICE_SECONDS = 0.1;

    private static Backend queueingDevice(Backend host, AtomicInteger synchronizations) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "name":
                    return "queueing";
                case "description":
                    return "queueing: finishes its work in synchronize()";
                case "synchronize":
                    synchronizations.incrementAndGet();
                    Thread.sleep((long) (DEVICE_SECONDS * 1000));
                    return null;
                case "close":
                    return null; // the host backend is closed by its owner
                default:
                    try {
                        return method.invoke(host, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
            }
        });
    }

    @Test
    void everyTimedCallOnABackendEndsOnceTheBackendHasCompletedItsWork() {
        Workload.Network tiny = Workload.Network.of("tiny", "test model", TINY, 3);
        AtomicInteger synchronizations = new AtomicInteger();
        try (Backend cpu = Backends.open("cpu", 1, line -> { })) {
            Backend device = queueingDevice(cpu, synchronizations);
            Report report = Comparison.run(new CompareOptions(List.of(1, 2), 2, 1, 0, List.of(), List.of(tiny, new Workload.MatrixProduct(8)), 1),
                    List.of(cpu, device), line -> { });
            for (Row row : report.rowsOf("tiny")) {
                if (!row.backend().equals("queueing")) continue;
                assertEquals(-1, row.peakResidentBytes(), "a backend no process can open by name is not measured in one");
                assertTrue(row.fieldInference().min() >= DEVICE_SECONDS, "field inference stopped the clock before synchronize(): " + row);
                assertTrue(row.prover().min() >= DEVICE_SECONDS, "the prover stopped the clock before synchronize(): " + row);
            }
            Row product = report.rowsOf(Workload.MatrixProduct.NAME).stream().filter(r -> r.backend().equals("queueing")).findFirst().orElseThrow();
            assertTrue(product.fieldInference().min() >= DEVICE_SECONDS, "the product stopped the clock before synchronize(): " + product);
            assertTrue(synchronizations.get() >= (1 + 2) * 2 * 2 + (1 + 2), synchronizations + " synchronizations");
            // Float inference and the verifier use no backend: one host row per (workload, batch), shared by both backends' rows.
            assertEquals(3, report.hostRows().size());
            assertEquals(6, report.rows().size());
            for (Row row : report.rows()) assertTrue(report.hostRows().contains(row.host()), row::toString);
        }
    }

    @Test
    void aBatchThatCannotFitIsSkippedBeforeAnythingIsAllocated() {
        // 2^20 features x 1024 samples: 8 GiB for the input alone, and 2^31 entries at 2048 samples.
        Model wide = new Model("wide", Shape.vector(1 << 20), 0, 1, 1, List.of(new Square()));
        Workload.Network workload = new Workload.Network("wide", "too wide", () -> wide, batch -> fail("inputs were generated for batch " + batch));
        MemoryEstimate estimate = MemoryEstimate.network(wide, 1024);
        assertTrue(estimate.bytes() > Runtime.getRuntime().maxMemory(), "the test needs a heap under " + estimate.bytes() + " bytes");
        List<String> progress = new ArrayList<>();
        Report report = Comparison.run(new CompareOptions(List.of(1024, 4096), 1, 0, 0, List.of("cpu"), List.of(workload), 1), progress::add);
        assertEquals(2, report.rows().size());
        for (Row row : report.rows()) {
            assertFalse(row.measured());
            assertTrue(row.note().startsWith("skipped: "), row.note());
        }
        assertTrue(report.rows().get(0).note().contains("needs about"), report.rows().get(0).note());
        assertTrue(report.rows().get(1).note().contains("2^31"), report.rows().get(1).note());
        assertTrue(progress.stream().anyMatch(line -> line.contains("wide batch 1024: skipped: needs about")), progress::toString);
    }

    @Test
    void unknownBackendsAndWorkloadsAreTypedErrorsNamingWhatExists() {
        BackendUnavailable backend = assertThrows(BackendUnavailable.class,
                () -> Comparison.chooseBackends(List.of("no-such"), line -> { }));
        assertTrue(backend.getMessage().contains("available: ") && backend.getMessage().contains("cpu"), backend.getMessage());
        MalformedInput workload = assertThrows(MalformedInput.class, () -> Workloads.select(List.of("mnist-lstm"), List.of(), 8));
        assertTrue(workload.getMessage().contains("demo-cnn") && workload.getMessage().contains("matmul"), workload.getMessage());
        assertThrows(MalformedInput.class, () -> new CompareOptions(List.of(0), 1, 0, 0, List.of(), Workloads.select(List.of(), List.of(), 8), 0));
    }

    @Test
    void thePapersNetworksAreBuiltInWorkloads() {
        assertEquals(List.of("demo-cnn", "mnist-cnn", "mnist-fc3", "mnist-fc4", "timit-fc", "matmul"), Workloads.names());
    }

    @Test
    void theProcessPeakIsTheKernelsHighWaterMarkOfAProcessThatHeldMore() throws Exception {
        assumeTrue(ProcessPeak.available(), "no /proc/self/status here");
        long before = ProcessPeak.peakResidentBytes().orElseThrow();
        // Touch 64 MiB more than this JVM has ever held resident: its high-water mark must rise by about that much.
        long[] held = new long[(int) ((before + (64L << 20)) / Long.BYTES)];
        Arrays.fill(held, 1);
        long after = ProcessPeak.peakResidentBytes().orElseThrow();
        assertTrue(after >= before + (32L << 20), before + " -> " + after + " bytes");
        assertEquals(1, held[held.length - 1]); // and held until measured
    }
}
