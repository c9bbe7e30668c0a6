package org.safetynets.field;

import org.safetynets.MalformedInput;

/**
 * The prime field F_p with p = 2^61 - 1. Elements are canonical {@code long}s in [0, p).
 *
 * <p>p is a Mersenne prime, so 2^61 = 1 (mod p): a 122-bit product hi*2^64 + lo reduces with shifts and one
 * conditional subtraction instead of a division. Integers v with |v| <= (p-1)/2 embed as v mod p and decode
 * back by sign, which is how the quantized network's signed integers live in the field.
 */
public final class Fp {
    public static final long P = (1L << 61) - 1;
    /** Largest magnitude of a signed integer that embeds and decodes uniquely. */
    public static final long MAX_SIGNED = (P - 1) / 2;
    public static final int BYTES = 8;

    private Fp() {
    }

    // Branch-free conditional corrections: on random field elements a "subtract p if needed" branch is taken
    // half the time and mispredicted as often, which cost more than the arithmetic in the sum-check kernels.

    public static long add(long a, long b) {
        long s = a + b - P; // in [-p, p)
        return s + ((s >> 63) & P);
    }

    public static long sub(long a, long b) {
        long s = a - b; // in (-p, p)
        return s + ((s >> 63) & P);
    }

    public static long neg(long a) {
        return a == 0 ? 0 : P - a;
    }

    public static long mul(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        // product = hi*2^64 + lo = (product >> 61)*2^61 + (lo & P) = (product >> 61) + (lo & P) (mod p)
        // For canonical a, b: a*b <= (p-1)^2 < p*2^61, so product >> 61 <= p - 1 and r is in [-p, p-1].
        long r = (lo & P) + ((lo >>> 61) | (hi << 3)) - P;
        return r + ((r >> 63) & P);
    }

    /** Reduces any value below 2^64 (read as unsigned) to canonical form. */
    public static long reduceUnsigned(long x) {
        long r = (x & P) + (x >>> 61);
        return r >= P ? r - P : r;
    }

    public static long pow(long base, long exponent) {
        if (exponent < 0) throw new IllegalArgumentException("negative exponent " + exponent);
        long result = 1;
        long b = base;
        long e = exponent;
        while (e != 0) {
            if ((e & 1) != 0) result = mul(result, b);
            b = mul(b, b);
            e >>>= 1;
        }
        return result;
    }

    /** Multiplicative inverse by Fermat: a^(p-2). */
    public static long inverse(long a) {
        if (a == 0) throw new ArithmeticException("0 has no inverse in F_p");
        return pow(a, P - 2);
    }

    /** Inverts every element with one field inversion (Montgomery's trick). Throws if any element is 0. */
    public static long[] batchInverse(long[] values) {
        int n = values.length;
        long[] prefix = new long[n];
        long running = 1;
        for (int i = 0; i < n; i++) {
            if (values[i] == 0) throw new ArithmeticException("0 has no inverse in F_p (index " + i + ")");
            prefix[i] = running;
            running = mul(running, values[i]);
        }
        long inv = inverse(running);
        long[] out = new long[n];
        for (int i = n - 1; i >= 0; i--) {
            out[i] = mul(inv, prefix[i]);
            inv = mul(inv, values[i]);
        }
        return out;
    }

    /** Embeds a signed integer with |v| <= (p-1)/2. */
    public static long fromSigned(long v) {
        if (v > MAX_SIGNED || v < -MAX_SIGNED) {
            throw new ArithmeticException("integer " + v + " is outside the field's signed range ±(p-1)/2");
        }
        return v < 0 ? v + P : v;
    }

    /** Decodes a canonical element to the signed integer in [-(p-1)/2, (p-1)/2] it represents. */
    public static long toSigned(long a) {
        return a > MAX_SIGNED ? a - P : a;
    }

    /** Any long, read as a signed integer, reduced mod p (no range check: for hashing and test data). */
    public static long fromLong(long v) {
        return Math.floorMod(v, P);
    }

    public static boolean isCanonical(long a) {
        return a >= 0 && a < P;
    }

    /** The 8 little-endian bytes at offset, as a word (no canonical check: callers check and report in their terms). */
    public static long readWord(byte[] in, int offset) {
        long a = 0;
        for (int i = 0; i < BYTES; i++) a |= (in[offset + i] & 0xFFL) << (8 * i);
        return a;
    }

    /** Canonical encoding: 8 bytes little-endian. */
    public static void write(long a, byte[] out, int offset) {
        for (int i = 0; i < BYTES; i++) out[offset + i] = (byte) (a >>> (8 * i));
    }

    /** Reads a canonical encoding; a value >= p is malformed, never silently reduced. */
    public static long read(byte[] in, int offset, String source) {
        if (offset < 0 || in.length - offset < BYTES) {
            throw new MalformedInput(source, "field element at byte " + offset + " is cut short (" + Math.max(0, in.length - offset) + " bytes left)");
        }
        long a = readWord(in, offset);
        if (!isCanonical(a)) {
            throw new MalformedInput(source, "field element at byte " + offset + " is " + Long.toUnsignedString(a)
                    + ", not below p = 2^61 - 1");
        }
        return a;
    }
}
