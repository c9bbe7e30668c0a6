package org.safetynets.bench.compare;

import org.safetynets.model.Model;

import java.util.SplittableRandom;

/** Seeded random input batches for any model: uniform integers in the model's declared input range. */
public final class Inputs {
    private Inputs() {
    }

    public static long[][] uniform(Model model, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long span = model.inputMax() - model.inputMin() + 1;
        long[][] samples = new long[batch][model.input().size()];
        for (long[] sample : samples) {
            for (int i = 0; i < sample.length; i++) sample[i] = model.inputMin() + random.nextLong(span);
        }
        return samples;
    }
}
