package org.safetynets.bench;

import org.junit.jupiter.api.Test;
import org.safetynets.bench.compare.WarmUp;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProverProfileTest {
    @Test
    void accountsForEveryBackendCallOfTheProver() {
        ProverProfile.Result result = ProverProfile.measure(BenchNetwork.demo(), "cpu", 1, 3, new WarmUp.Rule(0, 0), 2);
        List<ProverProfile.Row> rows = result.rows();
        // The demo CNN's layers: conv, x^2 + pool, conv, x^2 + pool, dense. Forward pass: two conv2d, two fused
        // square-then-pool steps, one matmul; every activation but the output is compacted once the next layer has read it.
        assertEquals(2, calls(rows, "forward pass", "conv2d"));
        assertEquals(2, calls(rows, "forward pass", "squareThenSumPool"));
        assertEquals(0, calls(rows, "forward pass", "square"), "the squares are pooled, never stored");
        assertEquals(5, calls(rows, "forward pass", "compact"));
        assertEquals(1, calls(rows, "forward pass", "matmul"));
        assertEquals(0, calls(rows, "proof", "conv2d"), "the proof does not run inference again");
        // Each x^2 + pool layer's sum-check has one round per variable; the batch of 3 pads to 4 (2 batch variables).
        // Layer 2 has 2 + 5 + 5 + 3 = 15 variables, layer 5 has 2 + 4 + 4 + 4 = 14: each round is one call of the
        // backend's round oracle for the x^2 sum-check, timed on its own.
        assertEquals(2, calls(rows, "proof", "squareRounds"));
        assertEquals(15 + 14, calls(rows, "proof", "squareRounds.roundPolynomial"));
        assertEquals(15 + 14, calls(rows, "proof", "squareRounds.bind"));
        double parts = rows.stream().mapToDouble(ProverProfile.Row::secondsPerProof).sum();
        assertEquals(result.proverSeconds(), parts, 1e-9, "the rows, outside-the-backend included, add up to the prover total");
        assertTrue(ProverProfile.render(result).contains("squareRounds.roundPolynomial"));
    }

    private static double calls(List<ProverProfile.Row> rows, String phase, String operation) {
        return rows.stream().filter(r -> r.phase().equals(phase) && r.operation().equals(operation))
                .mapToDouble(ProverProfile.Row::callsPerProof).sum();
    }
}
