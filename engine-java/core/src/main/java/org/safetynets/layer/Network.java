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
import org.safetynets.model.ValueBounds;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;

import java.util.ArrayList;
import java.util.List;

/** A model laid out for one batch size: the chain of layer protocols, from the input to the output. */
public final class Network {
    /**
     * One protocol step, the 1-based index of the (first) model layer it implements (for messages), and the largest
     * magnitude its output can take over every valid input (from {@link ValueBounds}).
     */
    public record Step(int modelLayer, String kind, LayerProtocol protocol, long outputMagnitude) {
    }

    private final Model model;
    private final int batch;
    private final List<Step> steps;
    private final Layout input;
    private final Layout output;
    /** The largest magnitude of an input value. */
    private final long inputMagnitude;

    /** The proven bound of every model layer's output: it does not depend on the batch. */
    private final List<ValueBounds.LayerBound> bounds;

    private Network(Model model, int batch, Network sameModel) {
        if (sameModel != null && sameModel.model != model) throw new IllegalArgumentException("a network of another model to share with");
        this.model = model;
        this.batch = batch;
        this.input = new Layout(model.input(), batch);
        List<Step> chain = new ArrayList<>();
        Layout layout = input;
        List<Layer> layers = model.layers();
        this.bounds = sameModel != null ? sameModel.bounds
                : ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), layers).layers();
        this.inputMagnitude = Math.max(Math.abs(model.inputMin()), Math.abs(model.inputMax()));
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int index = i + 1;
            String kind = layer.kind();
            LayerProtocol protocol;
            if (layer instanceof Dense d) {
                // the same model has the same steps at every batch size
                protocol = new DenseProtocol(d, layout, sameModel == null ? null : (DenseProtocol) sameModel.steps.get(chain.size()).protocol());
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
            // the model proves every bound within (p-1)/2 < 2^63, so it fits a long; i is the step's last model layer
            chain.add(new Step(index, kind, protocol, bounds.get(i).magnitude().longValueExact()));
            layout = protocol.output();
        }
        this.steps = List.copyOf(chain);
        this.output = layout;
    }

    public static Network compile(Model model, int batch) {
        return new Network(model, batch, null);
    }

    /**
     * As {@link #compile(Model, int)}, sharing with {@code sameModel} (a network of this same model object, for
     * another batch size) what does not depend on the batch: the value bounds and the dense layers' padded weight
     * matrices (about 100 MiB for the TIMIT network), so that a prover keeping networks for several batch sizes holds
     * them once.
     */
    public static Network compile(Model model, int batch, Network sameModel) {
        return new Network(model, batch, sameModel);
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
     * Plain inference in the field, keeping what the proof needs: activations[0] is the input as given,
     * activations[i] the output of step i. Each activation but the last is handed to {@link Backend#compact} with
     * its proven bound once the next step has read it, so that the backend may hold it in the narrowest type that
     * bound allows until the backward pass needs it. The caller owns (and closes) every returned tensor, including
     * the input it passed in (which may come back compacted).
     */
    public List<DeviceTensor> forward(Backend backend, DeviceTensor paddedInput) {
        List<DeviceTensor> activations = new ArrayList<>();
        activations.add(paddedInput);
        try {
            for (int i = 0; i < steps.size(); i++) {
                DeviceTensor last = activations.get(i);
                activations.add(steps.get(i).protocol().infer(backend, last));
                activations.set(i, backend.compact(last, i == 0 ? inputMagnitude : steps.get(i - 1).outputMagnitude()));
            }
        } catch (RuntimeException | Error e) {
            for (DeviceTensor t : activations.subList(1, activations.size())) t.close();
            throw e;
        }
        return activations;
    }

    /**
     * Plain inference in the field, keeping nothing but the output: each intermediate activation is closed as soon
     * as the next step has read it. The caller owns the output, and still owns (and closes) the input.
     */
    public DeviceTensor infer(Backend backend, DeviceTensor paddedInput) {
        DeviceTensor current = paddedInput;
        for (Step step : steps) {
            DeviceTensor next = step.protocol().infer(backend, current);
            if (current != paddedInput) current.close();
            current = next;
        }
        return current;
    }

    /** 8-byte words the prover sends: the outputs (one word each, in F_p), then every layer's messages (in F_p^2). */
    public long proofWords() {
        long total = (long) batch * output.shape().size();
        for (Step step : steps) total += step.protocol().proofWords();
        return total;
    }
}
