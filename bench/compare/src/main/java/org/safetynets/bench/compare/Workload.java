package org.safetynets.bench.compare;

import org.safetynets.model.Model;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/** One job the comparison runs on every backend: a network at several batch sizes, or a plain matrix product. */
public sealed interface Workload permits Workload.Network, Workload.MatrixProduct {
    /** The name {@code --workloads} selects it by and the report shows. */
    String name();

    /** One line: what it computes. */
    String description();

    /**
     * A network proved end to end. The model is built on first use only (the paper's large networks take a
     * moment to generate), and {@code inputs} gives a batch of valid integer inputs of any size, the same for
     * the same size.
     */
    record Network(String name, String description, Supplier<Model> model, IntFunction<long[][]> inputs) implements Workload {
        public Network {
            if (name == null || name.isBlank() || name.contains(",")) throw new IllegalArgumentException("bad workload name '" + name + "'");
        }

        /** A fixed model with uniformly random inputs in its declared input range, from {@code seed}. */
        public static Network of(String name, String description, Model model, long seed) {
            return new Network(name, description, () -> model, batch -> Inputs.uniform(model, batch, seed));
        }
    }

    /**
     * C = A * B over F_p with A and B square, {@code size} x {@code size}, random field elements, resident on the
     * backend. Measures the backend's field matrix product alone: no proof, so no prover or verifier figures.
     */
    record MatrixProduct(int size) implements Workload {
        public static final String NAME = "matmul";

        public MatrixProduct {
            if (size < 1 || size > 16384) throw new IllegalArgumentException("matrix size must be in 1..16384, got " + size);
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "field matrix product " + size + "x" + size + " times " + size + "x" + size + " (random field elements)";
        }

        public double macs() {
            return (double) size * size * size;
        }
    }
}
