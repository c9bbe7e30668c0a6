package org.safetynets.bench.compare;

import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;
import org.safetynets.MalformedInput;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
        Report report = Comparison.run(new CompareOptions(List.of(1, 5), 2, 1, List.of("cpu"), List.of(tiny), 1), progress::add);
        assertEquals(2, report.rows().size());
        for (Row row : report.rows()) {
            assertTrue(row.measured(), row::toString);
            assertEquals(2, row.prover().seconds().length);
            assertTrue(row.prover().min() > 0 && row.verifier().min() > 0 && row.floatInference().min() > 0);
            assertTrue(row.proofBytes() > 0);
            assertTrue(row.peakHeapBytes() >= row.heapBaselineBytes() && row.heapBaselineBytes() > 0, row::toString);
            assertEquals(-1, row.devicePeakBytes(), "the CPU backend keeps tensors in the heap and reports no device memory");
            assertEquals(row.prover().median() / row.fieldInference().median(), row.proverOverField(), 1e-12);
        }
        assertEquals(List.of(1, 5), report.rows().stream().map(Row::batch).toList());
        assertTrue(progress.stream().anyMatch(line -> line.contains("tiny batch 5")), progress::toString);
    }

    @Test
    void theMatrixProductHasNoProverAndCountsMultiplyAccumulates() {
        Report report = Comparison.run(new CompareOptions(List.of(1), 1, 0, List.of(), List.of(new Workload.MatrixProduct(24)), 1), line -> { });
        Row row = report.rows().get(0);
        assertNull(row.prover());
        assertNull(row.verifier());
        assertTrue(Double.isNaN(row.proverOverField()));
        assertEquals(24.0 * 24 * 24 / row.fieldInference().median(), row.fieldMacsPerSecond(), 1e-6);
    }

    @Test
    void aBatchThatCannotFitIsSkippedBeforeAnythingIsAllocated() {
        // 2^20 features x 1024 samples: 8 GiB for the input alone, and 2^31 entries at 2048 samples.
        Model wide = new Model("wide", Shape.vector(1 << 20), 0, 1, 1, List.of(new Square()));
        Workload.Network workload = new Workload.Network("wide", "too wide", () -> wide, batch -> fail("inputs were generated for batch " + batch));
        MemoryEstimate estimate = MemoryEstimate.network(wide, 1024);
        assertTrue(estimate.bytes() > Runtime.getRuntime().maxMemory(), "the test needs a heap under " + estimate.bytes() + " bytes");
        List<String> progress = new ArrayList<>();
        Report report = Comparison.run(new CompareOptions(List.of(1024, 4096), 1, 0, List.of("cpu"), List.of(workload), 1), progress::add);
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
        assertThrows(MalformedInput.class, () -> new CompareOptions(List.of(0), 1, 0, List.of(), Workloads.select(List.of(), List.of(), 8), 0));
    }

    @Test
    void thePapersNetworksAreBuiltInWorkloads() {
        assertEquals(List.of("demo-cnn", "mnist-cnn", "mnist-fc3", "mnist-fc4", "matmul"), Workloads.names());
    }
}
