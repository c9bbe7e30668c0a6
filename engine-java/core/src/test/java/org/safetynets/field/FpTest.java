package org.safetynets.field;

import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every fast path of {@link Fp} against BigInteger arithmetic mod p, on edge values and seeded random values. */
class FpTest {
    private static final BigInteger P = BigInteger.valueOf(Fp.P);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final int RANDOM_COUNT = 4000;

    /** Edge values 0, 1, 2, p-2, p-1, a few structured ones, then seeded random canonical elements. */
    private static long[] elements(long seed) {
        List<Long> values = new ArrayList<>(List.of(0L, 1L, 2L, 3L, Fp.P - 2, Fp.P - 1, Fp.MAX_SIGNED,
                Fp.MAX_SIGNED + 1, 1L << 60, (1L << 60) - 1, (1L << 32) - 1, 1L << 32, (1L << 31) + 1));
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < RANDOM_COUNT; i++) values.add(random.nextLong(Fp.P));
        // random 61-bit patterns, reduced only when equal to p (the one 61-bit value that is not canonical)
        for (int i = 0; i < RANDOM_COUNT / 4; i++) {
            long v = random.nextLong() >>> 3;
            values.add(v == Fp.P ? 0 : v);
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static BigInteger big(long canonical) {
        return BigInteger.valueOf(canonical);
    }

    private static BigInteger unsigned(long x) {
        BigInteger b = BigInteger.valueOf(x);
        return x < 0 ? b.add(TWO_64) : b;
    }

    private static long ref(BigInteger value) {
        return value.mod(P).longValueExact();
    }

    @Test
    void constants() {
        assertEquals(BigInteger.TWO.pow(61).subtract(BigInteger.ONE), P);
        assertTrue(P.isProbablePrime(50));
        assertEquals(P.subtract(BigInteger.ONE).shiftRight(1).longValueExact(), Fp.MAX_SIGNED);
        assertEquals(8, Fp.BYTES);
    }

    @Test
    void addSubNegAgainstBigInteger() {
        long[] xs = elements(1);
        long[] ys = elements(2);
        for (int i = 0; i < xs.length; i++) {
            long a = xs[i];
            for (long b : new long[] {ys[i], 0, 1, Fp.P - 1, Fp.P - 2, a}) {
                assertEquals(ref(big(a).add(big(b))), Fp.add(a, b), () -> "add " + a + " " + b);
                assertEquals(ref(big(a).subtract(big(b))), Fp.sub(a, b), () -> "sub " + a + " " + b);
            }
            assertEquals(ref(big(a).negate()), Fp.neg(a), () -> "neg " + a);
            assertEquals(0, Fp.add(a, Fp.neg(a)));
        }
    }

    @Test
    void mulAgainstBigInteger() {
        long[] xs = elements(3);
        long[] ys = elements(4);
        for (long a : new long[] {0, 1, 2, Fp.P - 2, Fp.P - 1, Fp.MAX_SIGNED, 1L << 60}) {
            for (long b : xs) {
                assertEquals(ref(big(a).multiply(big(b))), Fp.mul(a, b), () -> "mul " + a + " " + b);
                assertEquals(Fp.mul(a, b), Fp.mul(b, a));
            }
        }
        for (int i = 0; i < xs.length; i++) {
            long a = xs[i];
            long b = ys[i];
            assertEquals(ref(big(a).multiply(big(b))), Fp.mul(a, b), () -> "mul " + a + " " + b);
            assertEquals(ref(big(a).multiply(big(a))), Fp.mul(a, a), () -> "square " + a);
        }
        // (p-1)^2 = 1: the largest product
        assertEquals(1, Fp.mul(Fp.P - 1, Fp.P - 1));
    }

    @Test
    void powAgainstBigInteger() {
        long[] bases = elements(5);
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 1000; i++) {
            long base = bases[i % bases.length];
            long exponent = i < 20 ? i : random.nextLong(Long.MAX_VALUE);
            assertEquals(big(base).modPow(BigInteger.valueOf(exponent), P).longValueExact(), Fp.pow(base, exponent),
                    () -> base + "^" + exponent);
        }
        assertEquals(1, Fp.pow(0, 0));
        assertEquals(0, Fp.pow(0, 5));
        assertEquals(1, Fp.pow(12345, Fp.P - 1)); // Fermat
        assertEquals(1, Fp.pow(Fp.P - 1, Long.MAX_VALUE - 1));
        assertEquals(Fp.P - 1, Fp.pow(Fp.P - 1, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> Fp.pow(2, -1));
    }

    @Test
    void inverseAgainstBigInteger() {
        long[] xs = elements(7);
        for (int i = 0; i < 1500; i++) {
            long a = xs[i];
            if (a == 0) continue;
            long inv = Fp.inverse(a);
            assertEquals(big(a).modInverse(P).longValueExact(), inv, () -> "inverse " + a);
            assertEquals(1, Fp.mul(a, inv));
        }
        assertEquals(1, Fp.inverse(1));
        assertEquals(Fp.P - 1, Fp.inverse(Fp.P - 1));
        assertEquals((Fp.P + 1) / 2, Fp.inverse(2));
        assertThrows(ArithmeticException.class, () -> Fp.inverse(0));
    }

    @Test
    void batchInverseMatchesSingleInverses() {
        SplittableRandom random = new SplittableRandom(8);
        for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
            long[] values = new long[n];
            for (int i = 0; i < n; i++) values[i] = 1 + random.nextLong(Fp.P - 1);
            if (n > 2) {
                values[0] = 1;
                values[1] = Fp.P - 1;
            }
            long[] copy = values.clone();
            long[] inverses = Fp.batchInverse(values);
            assertArrayEquals(copy, values, "input must not be modified");
            assertEquals(n, inverses.length);
            for (int i = 0; i < n; i++) {
                assertEquals(big(values[i]).modInverse(P).longValueExact(), inverses[i], "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void batchInverseRejectsZero() {
        for (int zeroAt : new int[] {0, 2, 4}) {
            long[] values = {5, 6, 7, 8, 9};
            values[zeroAt] = 0;
            ArithmeticException e = assertThrows(ArithmeticException.class, () -> Fp.batchInverse(values));
            assertTrue(e.getMessage().contains("index " + zeroAt), e.getMessage());
        }
    }

    @Test
    void reduceUnsignedAgainstBigInteger() {
        List<Long> inputs = new ArrayList<>(List.of(0L, 1L, Fp.P - 1, Fp.P, Fp.P + 1, 2 * Fp.P - 1, 2 * Fp.P,
                2 * Fp.P + 1, 1L << 61, 1L << 62, (1L << 62) - 1, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L,
                -Fp.P, 7 * Fp.P, 8 * Fp.P, Long.MIN_VALUE + Fp.P));
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < RANDOM_COUNT; i++) inputs.add(random.nextLong());
        for (long x : inputs) {
            long expected = ref(unsigned(x));
            assertEquals(expected, Fp.reduceUnsigned(x), () -> "reduceUnsigned " + Long.toUnsignedString(x));
        }
    }

    @Test
    void fromLongAgainstBigInteger() {
        List<Long> inputs = new ArrayList<>(List.of(0L, 1L, -1L, Fp.P, -Fp.P, Fp.P + 1, Long.MAX_VALUE,
                Long.MIN_VALUE, Long.MIN_VALUE + 1));
        SplittableRandom random = new SplittableRandom(10);
        for (int i = 0; i < RANDOM_COUNT; i++) inputs.add(random.nextLong());
        for (long v : inputs) {
            assertEquals(ref(BigInteger.valueOf(v)), Fp.fromLong(v), () -> "fromLong " + v);
            assertTrue(Fp.isCanonical(Fp.fromLong(v)));
        }
    }

    @Test
    void signedRoundTrip() {
        List<Long> inputs = new ArrayList<>(List.of(0L, 1L, -1L, 2L, -2L, Fp.MAX_SIGNED, -Fp.MAX_SIGNED,
                Fp.MAX_SIGNED - 1, -Fp.MAX_SIGNED + 1, 127L, -128L, 1L << 40, -(1L << 40)));
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < RANDOM_COUNT; i++) inputs.add(random.nextLong(-Fp.MAX_SIGNED, Fp.MAX_SIGNED + 1));
        for (long v : inputs) {
            long a = Fp.fromSigned(v);
            assertTrue(Fp.isCanonical(a));
            assertEquals(ref(BigInteger.valueOf(v)), a, () -> "fromSigned " + v);
            assertEquals(v, Fp.toSigned(a), () -> "toSigned " + v);
        }
        assertEquals(Fp.P - 1, Fp.fromSigned(-1));
        assertEquals(Fp.MAX_SIGNED + 1, Fp.fromSigned(-Fp.MAX_SIGNED));
        // every canonical element decodes into the signed range and embeds back to itself
        for (long a : elements(12)) {
            long v = Fp.toSigned(a);
            assertTrue(Math.abs(v) <= Fp.MAX_SIGNED, () -> "toSigned " + a + " = " + v);
            assertEquals(a, Fp.fromSigned(v));
        }
        // signed embedding is a ring homomorphism where no overflow happens
        assertEquals(Fp.fromSigned(-6), Fp.mul(Fp.fromSigned(-2), Fp.fromSigned(3)));
        assertEquals(Fp.fromSigned(-5), Fp.add(Fp.fromSigned(-7), Fp.fromSigned(2)));
    }

    @Test
    void fromSignedRejectsOutOfRange() {
        for (long v : new long[] {Fp.MAX_SIGNED + 1, -Fp.MAX_SIGNED - 1, Fp.P, -Fp.P, Fp.P - 1, Long.MAX_VALUE,
                Long.MIN_VALUE, Long.MIN_VALUE + 1, 1L << 62, -(1L << 62)}) {
            assertThrows(ArithmeticException.class, () -> Fp.fromSigned(v), () -> "fromSigned " + v);
        }
    }

    @Test
    void isCanonical() {
        assertTrue(Fp.isCanonical(0));
        assertTrue(Fp.isCanonical(Fp.P - 1));
        assertFalse(Fp.isCanonical(Fp.P));
        assertFalse(Fp.isCanonical(-1));
        assertFalse(Fp.isCanonical(Long.MIN_VALUE));
        assertFalse(Fp.isCanonical(1L << 61));
    }

    @Test
    void writeReadRoundTrip() {
        long[] xs = elements(13);
        byte[] buffer = new byte[3 + xs.length * Fp.BYTES];
        for (int i = 0; i < xs.length; i++) Fp.write(xs[i], buffer, 3 + i * Fp.BYTES);
        for (int i = 0; i < xs.length; i++) assertEquals(xs[i], Fp.read(buffer, 3 + i * Fp.BYTES, "test"));
        // little-endian, exactly 8 bytes, neighbours untouched
        byte[] bytes = new byte[10];
        bytes[0] = 0x55;
        bytes[9] = 0x66;
        Fp.write(0x0123456789ABCDEL, bytes, 1);
        assertArrayEquals(new byte[] {0x55, (byte) 0xDE, (byte) 0xBC, (byte) 0x9A, 0x78, 0x56, 0x34, 0x12, 0x00, 0x66}, bytes);
        assertEquals(0x0123456789ABCDEL, Fp.read(bytes, 1, "test"));
    }

    @Test
    void readRejectsNonCanonical() {
        long[] bad = {Fp.P, 1L << 61, Fp.P + 1, (1L << 62) | 5, Long.MAX_VALUE, -1L, Long.MIN_VALUE};
        for (long value : bad) {
            byte[] bytes = new byte[24];
            Fp.write(value, bytes, 16); // write stores the raw bits; read must refuse them
            MalformedInput e = assertThrows(MalformedInput.class, () -> Fp.read(bytes, 16, "proof.bin"));
            assertEquals("proof.bin", e.source());
            assertTrue(e.getMessage().contains("byte 16"), e.getMessage());
            assertTrue(e.getMessage().contains(Long.toUnsignedString(value)), e.getMessage());
        }
        byte[] allOnes = new byte[8];
        java.util.Arrays.fill(allOnes, (byte) 0xFF);
        MalformedInput e = assertThrows(MalformedInput.class, () -> Fp.read(allOnes, 0, "model"));
        assertTrue(e.getMessage().contains("byte 0"), e.getMessage());
        assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
    }
}
