package org.safetynets.layer;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Flatten;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.model.SumPool;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;

import java.util.ArrayList;
import java.util.List;

/** A model laid out for one batch size: the chain of layer protocols, from the input to the output. */
public final class Network {
    /** One protocol step and the 1-based index of the model layer it implements (for messages). */
    public record Step(int modelLayer, String kind, LayerProtocol protocol) {
    }

    private final Model model;
    private final int batch;
    private final List<Step> steps;
    private final Layout input;
    private final Layout output;

    private Network(Model model, int batch) {
        this.model = model;
        this.batch = batch;
        this.input = new Layout(model.input(), batch);
        List<Step> chain = new ArrayList<>();
        Layout layout = input;
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int index = i + 1;
            String kind = layer.kind();
            LayerProtocol protocol;
            if (layer instanceof Dense d) {
                protocol = new DenseProtocol(d, layout);
            } else if (layer instanceof Conv2d c) {
                protocol = new ConvProtocol(c, layout);
            } else if (layer instanceof Square && i + 1 < layers.size() && layers.get(i + 1) instanceof SumPool p) {
                // x^2 then sum pooling: one sum-check proves both (the pool only reweights the claim).
                protocol = new SquareProtocol(layout, new PoolGeometry(layout, p.window()));
                kind = "square+sumpool";
                i++;
            } else if (layer instanceof Square) {
                protocol = new SquareProtocol(layout, null);
            } else if (layer instanceof SumPool p) {
                protocol = new PoolProtocol(new PoolGeometry(layout, p.window()));
            } else if (layer instanceof Flatten) {
                continue; // a relabelling: the padded tensor is already features x batch
            } else {
                throw new IllegalStateException("unknown layer " + layer);
            }
            chain.add(new Step(index, kind, protocol));
            layout = protocol.output();
        }
        this.steps = List.copyOf(chain);
        this.output = layout;
    }

    public static Network compile(Model model, int batch) {
        return new Network(model, batch);
    }

    public Model model() {
        return model;
    }

    public int batch() {
        return batch;
    }

    public List<Step> steps() {
        return steps;
    }

    public Layout input() {
        return input;
    }

    public Layout output() {
        return output;
    }

    /**
     * Plain inference in the field: activations[0] is the input as given, activations[i] the output of step i.
     * The caller owns (and closes) every returned tensor, including the input it passed in.
     */
    public List<DeviceTensor> forward(Backend backend, DeviceTensor paddedInput) {
        List<DeviceTensor> activations = new ArrayList<>();
        activations.add(paddedInput);
        for (Step step : steps) activations.add(step.protocol().infer(backend, activations.get(activations.size() - 1)));
        return activations;
    }

    /** 8-byte words the prover sends: the outputs (one word each, in F_p), then every layer's messages (in F_p^2). */
    public long proofWords() {
        long total = (long) batch * output.shape().size();
        for (Step step : steps) total += step.protocol().proofWords();
        return total;
    }
}
