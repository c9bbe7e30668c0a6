package org.safetynets.cli;

import org.safetynets.MalformedInput;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;

import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The batch {@code demo} proves and what to call it: real MNIST test digits with their labels, or seeded
 * synthetic inputs (labels null) with the reason there are no digits ({@code note}, null when there is nothing to
 * explain). Everything follows from the seed, so the same seed and data give the same batch.
 */
record DemoBatch(long[][] samples, int[] labels, String description, String note) {
    /** The random demo CNN's inputs, exactly as the demo has always drawn them. */
    static DemoBatch randomDemo(long seed, int batch) {
        return new DemoBatch(DemoNetwork.inputs(seed, batch), null, "random inputs (seed " + seed + ")", null);
    }

    /**
     * Test digits from {@code named} if given, else from the directory {@code lookup} finds; synthetic inputs if
     * none is found, or if the one found by searching holds images the model does not take. A directory the user
     * named (with --data or $SAFETYNETS_MNIST) that is missing, malformed or of the wrong image size is an error.
     */
    static DemoBatch forModel(Model model, String modelName, Path named, MnistData.Lookup lookup, int batch, long seed) {
        boolean searched = named == null && blank(lookup.environment().get(MnistData.ENVIRONMENT_VARIABLE));
        Optional<Path> directory = named != null ? Optional.of(named) : lookup.locate();
        if (directory.isEmpty()) {
            return synthetic(model, batch, seed, "no MNIST test images found: pass --data DIR or set " + MnistData.ENVIRONMENT_VARIABLE
                    + "; shared/data/mnist was looked for from " + lookup.workingDirectory() + " upwards");
        }
        MnistData dataset = new MnistData(directory.get());
        LabeledImages test = dataset.test();
        boolean takesTheseImages = model.inputMin() == 0 && model.input().channels() == 1
                && model.input().height() == test.rows() && model.input().width() == test.columns();
        if (!takesTheseImages) {
            String mismatch = "takes " + model.input() + " inputs from " + model.inputMin() + ", not the " + test.rows() + "x" + test.columns()
                    + " pixel levels of " + dataset.directory();
            if (!searched) throw new MalformedInput(modelName, mismatch);
            return synthetic(model, batch, seed, modelName + " " + mismatch);
        }
        if (batch > test.count()) {
            throw new MalformedInput("--batch", batch + " is more than the " + test.count() + " test images in " + dataset.directory());
        }
        LabeledImages picked = test.pick(pick(seed, batch, test.count()));
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = picked.label(i);
        // The same pixel-to-level function as evaluate and quantize: the levels the model was trained and quantized on.
        long[][] samples = Pixels.levels(picked, 0, batch, model.inputMax());
        return new DemoBatch(samples, labels, "MNIST test digits from " + dataset.directory() + " (chosen by seed " + seed
                + ", input levels 0.." + model.inputMax() + ")", null);
    }

    /** Seeded random inputs over the model's whole input range. */
    static DemoBatch synthetic(Model model, int batch, long seed, String reason) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] samples = new long[batch][model.input().size()];
        for (long[] sample : samples) for (int i = 0; i < sample.length; i++) sample[i] = random.nextLong(model.inputMin(), model.inputMax() + 1);
        return new DemoBatch(samples, null, "SYNTHETIC inputs, not digits (random levels " + model.inputMin() + ".." + model.inputMax()
                + ", seed " + seed + "), so no accuracy", reason);
    }

    /**
     * {@code batch} distinct image indices out of {@code count}, a function of the seed alone: the first {@code batch}
     * steps of a Fisher-Yates shuffle, so any seed gives a uniform sample without repeats.
     */
    static int[] pick(long seed, int batch, int count) {
        if (batch > count) throw new IllegalArgumentException(batch + " images out of " + count);
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        for (int i = 0; i < batch; i++) {
            int j = i + random.nextInt(count - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return java.util.Arrays.copyOf(order, batch);
    }

    /** How many argmaxes of the verified outputs match the labels. */
    static int correct(long[][] outputs, int[] labels) {
        long[] argmax = TensorJson.argmax(outputs);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) if (argmax[i] == labels[i]) correct++;
        return correct;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
