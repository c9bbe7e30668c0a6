package org.safetynets.bench;

import org.safetynets.Limits;
import org.safetynets.bench.compare.Inputs;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * The network sections (b) and (d) prove: the demo CNN by default, or a model file given with {@code --model} (the
 * shipped MNIST CNN, a user's own) with uniformly random inputs in its declared input range. {@code inputs} gives the
 * same batch for the same size.
 */
record BenchNetwork(String description, Model model, IntFunction<long[][]> inputs) {
    static BenchNetwork demo() {
        return new BenchNetwork("Demo CNN (DemoNetwork.build(1), inputs(1, batch))", DemoNetwork.build(1), batch -> DemoNetwork.inputs(1, batch));
    }

    /** @throws IllegalArgumentException naming the file and what is wrong with it */
    static BenchNetwork fromFile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--model: cannot read " + file + ": " + e.getMessage());
        }
        Model model;
        try {
            model = ModelCodec.decode(bytes, file.toString(), Limits.DEFAULTS);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage());
        }
        return new BenchNetwork(model.name() + " from " + file + " (uniform random inputs in " + model.inputMin() + ".."
                + model.inputMax() + ")", model, batch -> Inputs.uniform(model, batch, 1));
    }
}
