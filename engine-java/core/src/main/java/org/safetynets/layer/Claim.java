package org.safetynets.layer;

import org.safetynets.field.Fp2;

/**
 * The assertion MLE(A)(point) = value about one tensor A of witness values; layer protocols reduce a claim on a
 * layer's output to one on its input. The point is made of the verifier's challenges and the value follows from
 * them, so both live in F_p^2, while A itself is in F_p.
 */
public record Claim(Fp2[] point, Fp2 value) {
    public Claim {
        point = point.clone();
        for (Fp2 r : point) if (r == null) throw new IllegalArgumentException("claim point has a missing coordinate");
        if (value == null) throw new IllegalArgumentException("claim value is missing");
    }

    @Override
    public Fp2[] point() {
        return point.clone();
    }
}
