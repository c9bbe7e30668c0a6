package org.safetynets.cpu;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which kernels, scalar or {@link SimdKernels}, one table-wide call of a {@link CpuBackend} runs: results are
 * identical either way (exact field arithmetic), only the time differs.
 *
 * <p>Why not always SIMD where the lanes are there: a Vector API kernel runs tens of times slower than scalar code
 * until C2 has compiled it (the interpreter and C1 allocate an object per vector operation), and C2 compiling it
 * costs about a second of one core here. A one-shot {@code safetynets prove} of 64 samples does about 10^8 element
 * steps in these kernels in all, too few to earn that back: with SIMD from the start it took 1.2 s of prover time
 * cold against 0.3 s scalar (bench/README.md, "Cold start"). A long-running process (a prover host, {@code evaluate},
 * the benchmarks) does that much work many times over. So the backend runs scalar kernels until its calls have
 * been handed {@value #WARM_UP_ELEMENTS} table elements in all, then SIMD ones.
 */
final class KernelChoice {
    /**
     * Table elements (the sum of the sizes of the tables handed to the SIMD-capable kernels: the sum-check's tables,
     * and the operands of the forward pass's products, whose SIMD form is {@link LimbProducts}) the scalar kernels take
     * before the SIMD ones start: four proofs of 64 samples of the shipped MNIST CNN (2 Mi elements each), one of 256.
     */
    static final long WARM_UP_ELEMENTS = 1L << 23;

    private final boolean lanes;
    private final long warmUp;
    private final AtomicLong elementsSeen = new AtomicLong();

    private KernelChoice(boolean lanes, long warmUp) {
        this.lanes = lanes;
        this.warmUp = warmUp;
    }

    /** Scalar kernels only. */
    static KernelChoice scalar() {
        return new KernelChoice(false, 0);
    }

    /** SIMD kernels for every call they can take (the tests, {@code -Dsafetynets.cpu.simd=on}). */
    static KernelChoice always() {
        return new KernelChoice(true, 0);
    }

    /** Scalar while the process is young, SIMD after (the default with 8 lanes). */
    static KernelChoice byWorkSize() {
        return afterWarmUp(WARM_UP_ELEMENTS);
    }

    /** Scalar kernels for the calls that together hand over the first {@code elements} table elements, SIMD after. */
    static KernelChoice afterWarmUp(long elements) {
        if (elements < 0) throw new IllegalArgumentException("negative warm-up: " + elements);
        return new KernelChoice(true, elements);
    }

    /** Whether a call over {@code elements} table elements runs the SIMD kernels; counts the call as done. */
    boolean simd(long elements) {
        if (!lanes) return false;
        long before = elementsSeen.getAndAdd(elements);
        return before >= warmUp;
    }

    /** Whether any call may run the SIMD kernels. */
    boolean anySimd() {
        return lanes;
    }

    /** For the backend's description. */
    String describe() {
        if (!lanes) return Simd.describe(false);
        String description = Simd.describe(true);
        if (warmUp == 0) return description;
        return description + " after " + (warmUp >> 20) + " Mi table elements on scalar kernels";
    }
}
