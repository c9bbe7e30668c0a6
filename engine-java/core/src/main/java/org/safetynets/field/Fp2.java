package org.safetynets.field;

/**
 * The quadratic extension F_p^2 = F_p[i]/(i^2 + 1) of {@link Fp}, p = 2^61 - 1: elements re + im*i with canonical
 * coordinates. p = 3 (mod 4), so -1 is not a square in F_p and i^2 + 1 is irreducible; the field has about 2^122
 * elements, which is what makes a random challenge drawn from it hard to grind (the verifier's challenges and
 * claims live here, the witness stays in F_p).
 *
 * <p>Multiplication takes three base products (Karatsuba): (a + bi)(c + di) = (ac - bd) + ((a + b)(c + d) - ac - bd)i.
 * A base element times an extension element takes two. The inverse is the conjugate over the norm a^2 + b^2, which
 * is non-zero for every non-zero element because -1 has no square root.
 */
public record Fp2(long re, long im) {
    public static final Fp2 ZERO = new Fp2(0, 0);
    public static final Fp2 ONE = new Fp2(1, 0);
    public static final Fp2 I = new Fp2(0, 1);
    /** Bytes of the canonical encoding: re then im, each 8 bytes little-endian below p. */
    public static final int BYTES = 2 * Fp.BYTES;

    public Fp2 {
        if (!Fp.isCanonical(re) || !Fp.isCanonical(im)) {
            throw new IllegalArgumentException("coordinates must be canonical field elements: " + Long.toUnsignedString(re) + ", "
                    + Long.toUnsignedString(im));
        }
    }

    /** The base field element {@code a} as an element of the extension. */
    public static Fp2 of(long a) {
        return new Fp2(a, 0);
    }

    public boolean isBase() {
        return im == 0;
    }

    public Fp2 add(Fp2 other) {
        return new Fp2(Fp.add(re, other.re), Fp.add(im, other.im));
    }

    public Fp2 sub(Fp2 other) {
        return new Fp2(Fp.sub(re, other.re), Fp.sub(im, other.im));
    }

    public Fp2 neg() {
        return new Fp2(Fp.neg(re), Fp.neg(im));
    }

    public Fp2 mul(Fp2 other) {
        long ac = Fp.mul(re, other.re);
        long bd = Fp.mul(im, other.im);
        long cross = Fp.mul(Fp.add(re, im), Fp.add(other.re, other.im));
        return new Fp2(Fp.sub(ac, bd), Fp.sub(Fp.sub(cross, ac), bd));
    }

    /** Times a base field element: two base products. */
    public Fp2 mul(long base) {
        return new Fp2(Fp.mul(re, base), Fp.mul(im, base));
    }

    /** (a + bi)^2 = (a + b)(a - b) + 2ab i: two base products. */
    public Fp2 square() {
        long ab = Fp.mul(re, im);
        return new Fp2(Fp.mul(Fp.add(re, im), Fp.sub(re, im)), Fp.add(ab, ab));
    }

    public Fp2 conjugate() {
        return new Fp2(re, Fp.neg(im));
    }

    /** a^2 + b^2 = (a + bi)(a - bi), in F_p. */
    public long norm() {
        return Fp.add(Fp.mul(re, re), Fp.mul(im, im));
    }

    public Fp2 inverse() {
        long norm = norm();
        if (norm == 0) throw new ArithmeticException("0 has no inverse in F_p^2");
        return conjugate().mul(Fp.inverse(norm));
    }

    /** A uniform element: each coordinate 61 random bits, the one value 2^61 - 1 (not below p) drawn again. */
    public static Fp2 random(java.util.random.RandomGenerator coins) {
        return new Fp2(uniformBase(coins), uniformBase(coins));
    }

    private static long uniformBase(java.util.random.RandomGenerator coins) {
        long r;
        do {
            r = coins.nextLong() & Fp.P;
        } while (r == Fp.P);
        return r;
    }

    /** Whether every element lies in the base field (a zero imaginary part). */
    public static boolean allBase(Fp2[] values) {
        for (Fp2 v : values) if (!v.isBase()) return false;
        return true;
    }

    /** The real parts, in order. */
    public static long[] reals(Fp2[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i].re();
        return out;
    }

    /** The imaginary parts, in order. */
    public static long[] imaginaries(Fp2[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) out[i] = values[i].im();
        return out;
    }

    /** The words an extension message travels as: re, im of each element in turn. */
    public static long[] toWords(Fp2[] values) {
        long[] words = new long[2 * values.length];
        for (int i = 0; i < values.length; i++) {
            words[2 * i] = values[i].re();
            words[2 * i + 1] = values[i].im();
        }
        return words;
    }

    /** The inverse of {@link #toWords}; the words must be canonical (the caller checks what it received). */
    public static Fp2[] fromWords(long[] words) {
        if (words.length % 2 != 0) throw new IllegalArgumentException("an odd number of words: " + words.length);
        Fp2[] values = new Fp2[words.length / 2];
        for (int i = 0; i < values.length; i++) values[i] = new Fp2(words[2 * i], words[2 * i + 1]);
        return values;
    }

    /** Canonical encoding: re, then im, each as {@link Fp#write}. */
    public void write(byte[] out, int offset) {
        Fp.write(re, out, offset);
        Fp.write(im, out, offset + Fp.BYTES);
    }

    /** Reads a canonical encoding; a coordinate >= p is a MalformedInput, never silently reduced. */
    public static Fp2 read(byte[] in, int offset, String source) {
        return new Fp2(Fp.read(in, offset, source), Fp.read(in, offset + Fp.BYTES, source));
    }

    @Override
    public String toString() {
        return im == 0 ? Long.toString(re) : re + " + " + im + "i";
    }
}
