package org.safetynets.proof;

import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.model.Model;
import org.safetynets.tensor.Layout;

/** Checks an input batch against the model (shape, and the value range its no-overflow proof covers) and pads it. */
public final class Inputs {
    /** Largest batch accepted unless a caller asks for more. */
    public static final int DEFAULT_MAX_BATCH = 1 << 16;

    private Inputs() {
    }

    /** The padded input tensor in field form, or MalformedInput naming the sample and value at fault. */
    public static long[] padded(Model model, long[][] samples) {
        if (samples.length == 0) throw new MalformedInput("input", "the batch is empty");
        if (samples.length > DEFAULT_MAX_BATCH) {
            throw new MalformedInput("input", "batch of " + samples.length + " exceeds the limit of " + DEFAULT_MAX_BATCH);
        }
        int size = model.input().size();
        for (int b = 0; b < samples.length; b++) {
            if (samples[b] == null || samples[b].length != size) {
                throw new MalformedInput("input", "sample " + b + " has " + (samples[b] == null ? 0 : samples[b].length)
                        + " values; the model takes " + size + " (" + model.input() + ")");
            }
            for (int i = 0; i < size; i++) {
                long v = samples[b][i];
                if (v < model.inputMin() || v > model.inputMax()) {
                    throw new MalformedInput("input", "sample " + b + " value " + i + " is " + v + ", outside the model's input range ["
                            + model.inputMin() + ", " + model.inputMax() + "]");
                }
            }
        }
        long[] padded = new Layout(model.input(), samples.length).pad(samples);
        for (int i = 0; i < padded.length; i++) padded[i] = Fp.fromSigned(padded[i]);
        return padded;
    }
}
