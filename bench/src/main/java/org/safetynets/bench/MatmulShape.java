package org.safetynets.bench;

/** C (m x n) = A (m x k) * B (k x n): the benchmark's matrix sizes, in the C reference's argument order. */
public record MatmulShape(int m, int n, int k) {
    public MatmulShape {
        if (m <= 0 || n <= 0 || k <= 0) throw new IllegalArgumentException("sizes must be positive: " + m + "x" + n + "x" + k);
    }

    /** "512" (a cube) or "MxNxK". */
    public static MatmulShape parse(String text) {
        String[] parts = text.toLowerCase().split("x");
        try {
            if (parts.length == 1) {
                int s = Integer.parseInt(parts[0]);
                return new MatmulShape(s, s, s);
            }
            if (parts.length == 3) {
                return new MatmulShape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("--size takes N or MxNxK (C = A[MxK] * B[KxN]), got '" + text + "'");
    }

    /** Multiply-accumulates in one product: m * n * k. */
    public double macs() {
        return (double) m * n * k;
    }

    @Override
    public String toString() {
        return m + "x" + n + "x" + k;
    }
}
