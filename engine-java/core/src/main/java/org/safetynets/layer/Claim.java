package org.safetynets.layer;

import org.safetynets.field.Fp;

/** The assertion MLE(A)(point) = value about one tensor A; layer protocols reduce a claim on a layer's output to one on its input. */
public record Claim(long[] point, long value) {
    public Claim {
        point = point.clone();
        for (long r : point) if (!Fp.isCanonical(r)) throw new IllegalArgumentException("claim point is not canonical");
        if (!Fp.isCanonical(value)) throw new IllegalArgumentException("claim value is not canonical");
    }

    @Override
    public long[] point() {
        return point.clone();
    }
}
