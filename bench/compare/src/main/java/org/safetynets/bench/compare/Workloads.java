package org.safetynets.bench.compare;

import org.safetynets.MalformedInput;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.PaperArchitecture;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The workloads {@code bench compare} knows by name, in report order. Adding a network is one line in
 * {@link #NETWORKS}.
 */
public final class Workloads {
    private static final String DENSE = " (every weight +-1, every input 1: see PaperArchitecture.denseFullyConnected)";
    private static final List<Workload.Network> NETWORKS = List.of(
            new Workload.Network("demo-cnn", "DemoNetwork.build(1): conv 5x5 1->8, x^2, pool 2, conv 5x5 8->16, x^2, pool 2, dense 784->10",
                    () -> DemoNetwork.build(1), batch -> DemoNetwork.inputs(1, batch)),
            paper(PaperArchitecture.MNIST_CNN.cliName(), PaperArchitecture.MNIST_CNN.summary() + " (random ternary weights, seed 1)",
                    () -> PaperArchitecture.MNIST_CNN.randomModel(1)),
            paper(PaperArchitecture.MNIST_FC3.cliName(), PaperArchitecture.MNIST_FC3.summary() + DENSE,
                    () -> PaperArchitecture.MNIST_FC3.denseModel(1)),
            paper(PaperArchitecture.MNIST_FC4.cliName(), PaperArchitecture.MNIST_FC4.summary() + DENSE,
                    () -> PaperArchitecture.MNIST_FC4.denseModel(1)),
            paper("timit-fc", "dense 1845->2000, x^2, dense 2000->2000, x^2, dense 2000->2000, x^2, dense 2000->183" + DENSE,
                    () -> PaperArchitecture.denseFullyConnected("timit-fc-dense-seed1", Shape.vector(PaperArchitecture.TIMIT_FC_WIDTHS[0]),
                            PaperArchitecture.TIMIT_FC_WIDTHS, 1)));


    private Workloads() {
    }

    /**
     * A paper architecture with seeded weights of its shape (a trained model replaces them once one is shipped), and
     * uniform random inputs in the range its builder chose. Built on first use: the fully connected ones hold
     * millions of weights.
     */
    private static Workload.Network paper(String name, String description, Supplier<Model> builder) {
        Supplier<Model> model = new Supplier<>() {
            private Model built;

            @Override
            public synchronized Model get() {
                if (built == null) built = builder.get();
                return built;
            }
        };
        return new Workload.Network(name, description, model, batch -> Inputs.uniform(model.get(), batch, 1));
    }

    /** Every built-in name: the networks, then the matrix product. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Workload.Network n : NETWORKS) names.add(n.name());
        names.add(Workload.MatrixProduct.NAME);
        return names;
    }

    /**
     * The workloads to run: {@code requested} by name (every built-in one when empty) plus every network in
     * {@code extra} (models read from files), which are always run. Names may not repeat.
     */
    public static List<Workload> select(List<String> requested, List<Workload.Network> extra, int matrixSize) {
        Map<String, Workload> known = new LinkedHashMap<>();
        for (Workload.Network n : NETWORKS) known.put(n.name(), n);
        known.put(Workload.MatrixProduct.NAME, new Workload.MatrixProduct(matrixSize));
        List<Workload> chosen = new ArrayList<>();
        if (requested.isEmpty()) {
            chosen.addAll(known.values());
        } else {
            for (String name : requested) {
                Workload w = known.get(name);
                if (w == null) {
                    boolean fromFile = extra.stream().anyMatch(e -> e.name().equals(name));
                    if (fromFile) continue; // added below
                    throw new MalformedInput("--workloads", "unknown workload '" + name + "'; known: " + String.join(", ", names())
                            + (extra.isEmpty() ? "" : " and the models given with --model"));
                }
                if (chosen.contains(w)) throw new MalformedInput("--workloads", "'" + name + "' is named twice");
                chosen.add(w);
            }
        }
        for (Workload.Network e : extra) {
            if (chosen.stream().anyMatch(w -> w.name().equals(e.name()))) {
                throw new MalformedInput("--model", "a model named '" + e.name() + "' clashes with another workload of that name");
            }
            chosen.add(e);
        }
        if (chosen.isEmpty()) throw new MalformedInput("--workloads", "selects nothing");
        return chosen;
    }
}
