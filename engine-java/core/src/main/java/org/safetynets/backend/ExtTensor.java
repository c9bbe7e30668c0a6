package org.safetynets.backend;

/**
 * A table of F_p^2 elements on a backend, as two base tensors: its real and its imaginary parts. A table of
 * witness values (activations, weights) is in F_p and has no imaginary part ({@link #base}); a table that a
 * challenge has touched (an eq table, a table folded by a challenge) has one. Keeping the parts apart lets every
 * operation that is linear in the extension operand run as two base-field operations, and a base table costs
 * nothing extra. Owns both parts.
 */
public record ExtTensor(DeviceTensor re, DeviceTensor im) implements AutoCloseable {
    public ExtTensor {
        if (re == null) throw new IllegalArgumentException("an extension table needs its real part");
        if (im != null && im.length() != re.length()) {
            throw new IllegalArgumentException("parts of " + re.length() + " and " + im.length() + " entries");
        }
    }

    public static ExtTensor base(DeviceTensor re) {
        return new ExtTensor(re, null);
    }

    public boolean isBase() {
        return im == null;
    }

    public int length() {
        return re.length();
    }

    @Override
    public void close() {
        try (DeviceTensor r = re) {
            if (im != null) im.close();
        }
    }
}
