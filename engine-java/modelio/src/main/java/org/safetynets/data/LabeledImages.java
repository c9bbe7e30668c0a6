package org.safetynets.data;

import org.safetynets.MalformedInput;
import org.safetynets.tensor.Shape;

/**
 * Grayscale images with their labels, as the idx files hold them: {@code pixels} is count x rows x columns bytes
 * (unsigned, 0..255) row-major, {@code labels} one byte (0..9) per image.
 */
public record LabeledImages(int count, int rows, int columns, byte[] pixels, byte[] labels) {
    public LabeledImages {
        if (pixels.length != (long) count * rows * columns) throw new IllegalArgumentException("pixels do not match the shape");
        if (labels.length != count) throw new IllegalArgumentException("labels do not match the count");
    }

    public int imageSize() {
        return rows * columns;
    }

    /** Refuses a model ({@code model} names it) whose input is not one of these images: it would read other pixels or past them. */
    public void requireModelInput(String model, Shape input) {
        if (input.size() != imageSize()) throw new MalformedInput(model, "takes " + input + " inputs, the images are " + rows + "x" + columns);
    }

    public int pixel(int image, int index) {
        return pixels[image * imageSize() + index] & 0xFF;
    }

    public int label(int image) {
        return labels[image];
    }

    /** Images [from, from + n) as a new set. */
    public LabeledImages slice(int from, int n) {
        if (from < 0 || n < 0 || from + n > count) throw new IllegalArgumentException("slice out of range");
        byte[] p = java.util.Arrays.copyOfRange(pixels, from * imageSize(), (from + n) * imageSize());
        byte[] l = java.util.Arrays.copyOfRange(labels, from, from + n);
        return new LabeledImages(n, rows, columns, p, l);
    }

    /** The images at {@code indices}, in that order, as a new set. */
    public LabeledImages pick(int[] indices) {
        int size = imageSize();
        byte[] p = new byte[indices.length * size];
        byte[] l = new byte[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= count) throw new IllegalArgumentException("image " + indices[i] + " is out of range 0.." + (count - 1));
            System.arraycopy(pixels, indices[i] * size, p, i * size, size);
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(indices.length, rows, columns, p, l);
    }
}
