package org.safetynets.model;

import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random models of every layer kind, with non-power-of-two shapes, for protocol tests. */
public final class TestModels {
    private TestModels() {
    }

    public static long[] values(Random random, int n, int magnitude) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = random.nextInt(2 * magnitude + 1) - magnitude;
        return v;
    }

    public static Dense dense(Random random, int outputs, int inputs) {
        return new Dense(outputs, inputs, values(random, outputs * inputs, 2), values(random, outputs, 3), 1);
    }

    public static Conv2d conv(Random random, int out, int in, int kernel, int stride, int padding) {
        return new Conv2d(out, in, kernel, stride, padding, values(random, out * in * kernel * kernel, 2), values(random, out, 3), 1);
    }

    public static Model model(String name, Shape input, Layer... layers) {
        return new Model(name, input, 0, 3, 1, List.of(layers));
    }

    /** One model per layer kind alone, and chains of them. */
    public static List<Model> zoo(long seed) {
        Random r = new Random(seed);
        List<Model> models = new ArrayList<>();
        models.add(model("dense", Shape.vector(5), dense(r, 3, 5)));
        models.add(model("dense-1x1", Shape.vector(1), dense(r, 1, 1)));
        models.add(model("square", Shape.vector(6), new Square()));
        models.add(model("pool2", new Shape(2, 5, 7), new SumPool(2)));
        models.add(model("pool4", new Shape(3, 8, 4), new SumPool(4)));
        models.add(model("conv-s1-p1", new Shape(2, 5, 6), conv(r, 3, 2, 3, 1, 1)));
        models.add(model("conv-s2-p0", new Shape(1, 7, 7), conv(r, 2, 1, 3, 2, 0)));
        models.add(model("conv-k2-s2", new Shape(3, 6, 5), conv(r, 2, 3, 2, 2, 1)));
        models.add(model("conv-k1", new Shape(3, 3, 3), conv(r, 5, 3, 1, 1, 0)));
        models.add(model("mlp", Shape.vector(7), dense(r, 6, 7), new Square(), dense(r, 3, 6)));
        models.add(model("cnn", new Shape(1, 9, 9),
                conv(r, 3, 1, 3, 1, 1), new Square(), new SumPool(2), conv(r, 2, 3, 3, 1, 1), new Square(), new SumPool(2),
                new Flatten(), dense(r, 4, 2 * 3 * 3)));
        models.add(model("cnn-stride2", new Shape(2, 6, 5),
                conv(r, 3, 2, 3, 2, 1), new Square(), new Flatten(), dense(r, 2, 3 * 3 * 3)));
        return models;
    }

    public static long[][] inputs(Model model, int batch, long seed) {
        Random r = new Random(seed);
        long[][] samples = new long[batch][model.input().size()];
        for (long[] s : samples) for (int i = 0; i < s.length; i++) s[i] = model.inputMin() + r.nextInt((int) (model.inputMax() - model.inputMin() + 1));
        return samples;
    }
}
