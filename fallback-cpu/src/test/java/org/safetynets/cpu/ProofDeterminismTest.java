package org.safetynets.cpu;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.proof.InteractiveSession;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole proofs are byte-identical for every thread count, with scalar or SIMD kernels, and equal to the sequential
 * reference backend's.
 */
class ProofDeterminismTest {
    private static byte[] proveWith(Backend backend, Model model, long[][] inputs) {
        try (backend) {
            return ProofCodec.encode(Prover.prove(model, inputs, backend));
        }
    }

    @Test
    void demoCnnProofBytesIdenticalForThreads1And2And8AndTheReference() {
        Model model = DemoNetwork.build(5);
        long[][] inputs = DemoNetwork.inputs(5, 6);
        byte[] reference = proveWith(new ReferenceBackend(), model, inputs);
        for (int threads : new int[] {1, 2, 8}) {
            byte[] cpu = proveWith(Backends.open("cpu", threads, w -> { }), model, inputs);
            assertArrayEquals(reference, cpu, threads + " threads");
        }
        // The scalar kernels, as on a JVM without the Vector API (the default above uses SIMD where it pays).
        assertArrayEquals(reference, proveWith(new CpuBackend(2, false), model, inputs), "scalar kernels");
        // Every activation compacted between the passes (the default compacts only large ones), on both kernel sets.
        assertArrayEquals(reference, proveWith(new CpuBackend(2, KernelChoice.scalar(), 0), model, inputs), "scalar kernels, compact");
        if (Simd.usable()) {
            assertArrayEquals(reference, proveWith(new CpuBackend(2, true), model, inputs), "SIMD kernels");
            assertArrayEquals(reference, proveWith(new CpuBackend(2, KernelChoice.always(), 0), model, inputs), "SIMD kernels, compact");
            // The default's choice by work size, moving from scalar to SIMD kernels in the middle of the proof.
            for (long warmUp : new long[] {1_000, 30_000, 200_000}) {
                assertArrayEquals(reference, proveWith(new CpuBackend(2, KernelChoice.afterWarmUp(warmUp)), model, inputs), "warm-up " + warmUp);
            }
        }
        assertTrue(Verifier.verify(model, inputs, reference).accepted());
    }

    @Test
    void everyTestModelMatchesTheReferenceAtBatch64() {
        for (Model model : TestModels.zoo(21)) {
            long[][] inputs = TestModels.inputs(model, 64, 3);
            byte[] reference = proveWith(new ReferenceBackend(), model, inputs);
            assertArrayEquals(reference, proveWith(Backends.open("cpu", 8, w -> { }), model, inputs), model.name());
        }
    }

    @Test
    void interactiveModeAcceptsOnTheCpuBackendAndRejectsATamperedOutput() {
        Model model = DemoNetwork.build(2);
        long[][] inputs = DemoNetwork.inputs(2, 4);
        try (Backend cpu = Backends.open("cpu", 2, w -> { })) {
            assertTrue(InteractiveSession.run(model, inputs, cpu).accepted());
            Proof proof = Prover.prove(model, inputs, cpu);
            byte[] body = proof.body();
            body[0] ^= 1;
            Verdict verdict = Verifier.verify(model, inputs, new Proof(proof.modelDigest(), proof.batch(), proof.input(), proof.output(), body));
            assertFalse(verdict.accepted());
        }
    }
}
