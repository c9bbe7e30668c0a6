package org.safetynets.data;

/**
 * How a raw pixel (0..255) becomes a model's integer input: q = round(pixel * inputMax / 255), so the real value
 * q / inputMax approximates pixel / 255 with inputMax + 1 levels. Public and deterministic: a client computes the
 * same inputs the proof binds to. A model with inputMax = 255 takes the pixels unchanged.
 */
public final class Pixels {
    private Pixels() {
    }

    public static long level(int pixel, long inputMax) {
        if (pixel < 0 || pixel > 255) throw new IllegalArgumentException("pixel " + pixel + " is outside 0..255");
        return Math.round(pixel * (double) inputMax / 255.0);
    }

    /** Images [from, from + n) of {@code images} as model inputs in 0..inputMax. */
    public static long[][] levels(LabeledImages images, int from, int n, long inputMax) {
        long[][] out = new long[n][images.imageSize()];
        for (int i = 0; i < n; i++) for (int j = 0; j < out[i].length; j++) out[i][j] = level(images.pixel(from + i, j), inputMax);
        return out;
    }
}
