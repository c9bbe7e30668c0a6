package org.safetynets.field;

import org.safetynets.MalformedInput;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** F_p^2 against a slow, obviously correct reference: pairs of BigIntegers with i^2 = -1, reduced mod p. */
class Fp2Test {
    private static final BigInteger P = BigInteger.valueOf(Fp.P);

    /** The reference product (a + bi)(c + di) = (ac - bd) + (ad + bc)i, schoolbook, in BigIntegers. */
    private static Fp2 referenceMul(Fp2 x, Fp2 y) {
        BigInteger a = BigInteger.valueOf(x.re()), b = BigInteger.valueOf(x.im());
        BigInteger c = BigInteger.valueOf(y.re()), d = BigInteger.valueOf(y.im());
        return new Fp2(a.multiply(c).subtract(b.multiply(d)).mod(P).longValueExact(), a.multiply(d).add(b.multiply(c)).mod(P).longValueExact());
    }

    private static List<Fp2> values() {
        long[] edges = {0, 1, 2, Fp.P - 1, Fp.P - 2, Fp.MAX_SIGNED, Fp.MAX_SIGNED + 1, 1L << 32, (1L << 32) - 1};
        List<Fp2> values = new ArrayList<>();
        for (long re : edges) for (long im : edges) values.add(new Fp2(re, im));
        SplittableRandom random = new SplittableRandom(61);
        for (int k = 0; k < 300; k++) values.add(new Fp2(random.nextLong(Fp.P), random.nextLong(Fp.P)));
        return values;
    }

    @Test
    void arithmeticMatchesTheBigIntegerReference() {
        List<Fp2> values = values();
        for (Fp2 x : values) {
            for (int k = 0; k < values.size(); k += 7) {
                Fp2 y = values.get(k);
                assertEquals(referenceMul(x, y), x.mul(y), x + " * " + y);
                assertEquals(new Fp2(BigInteger.valueOf(x.re()).add(BigInteger.valueOf(y.re())).mod(P).longValueExact(),
                        BigInteger.valueOf(x.im()).add(BigInteger.valueOf(y.im())).mod(P).longValueExact()), x.add(y));
                assertEquals(new Fp2(BigInteger.valueOf(x.re()).subtract(BigInteger.valueOf(y.re())).mod(P).longValueExact(),
                        BigInteger.valueOf(x.im()).subtract(BigInteger.valueOf(y.im())).mod(P).longValueExact()), x.sub(y));
                assertEquals(referenceMul(x, Fp2.of(y.re())), x.mul(y.re()), "base times extension");
            }
            assertEquals(referenceMul(x, x), x.square(), "square of " + x);
            assertEquals(Fp2.ZERO, x.add(x.neg()));
            assertEquals(Fp2.of(BigInteger.valueOf(x.re()).pow(2).add(BigInteger.valueOf(x.im()).pow(2)).mod(P).longValueExact()),
                    x.mul(x.conjugate()), "x times its conjugate is its norm");
            assertEquals(x.norm(), x.mul(x.conjugate()).re());
        }
    }

    @Test
    void iSquaredIsMinusOneAndMinusOneHasNoRootInTheBaseField() {
        assertEquals(Fp2.of(Fp.P - 1), Fp2.I.square());
        assertEquals(Fp2.of(Fp.P - 1), Fp2.I.mul(Fp2.I));
        // Euler's criterion: -1 is a square mod p iff (-1)^((p-1)/2) = 1; p = 3 mod 4 makes it -1.
        assertEquals(3, Fp.P % 4);
        assertEquals(Fp.P - 1, Fp.pow(Fp.P - 1, (Fp.P - 1) / 2));
    }

    @Test
    void everyNonZeroElementHasAnInverse() {
        for (Fp2 x : values()) {
            if (x.equals(Fp2.ZERO)) {
                assertThrows(ArithmeticException.class, x::inverse);
                continue;
            }
            assertEquals(Fp2.ONE, x.mul(x.inverse()), "inverse of " + x);
            assertEquals(Fp2.ONE, x.inverse().mul(x));
        }
        assertEquals(Fp2.of(Fp.P - 1).mul(Fp2.I), Fp2.I.inverse(), "1/i = -i");
    }

    @Test
    void theEncodingIsCanonical() {
        byte[] bytes = new byte[Fp2.BYTES + 3];
        for (Fp2 x : values()) {
            x.write(bytes, 3);
            assertEquals(x, Fp2.read(bytes, 3, "t"));
        }
        new Fp2(Fp.P - 1, 5).write(bytes, 0);
        Fp.write(0, bytes, 0);
        bytes[7] = (byte) 0x20; // re = 2^61 = p + 1: an alias of 1, refused
        assertTrue(assertThrows(MalformedInput.class, () -> Fp2.read(bytes, 0, "t")).getMessage().contains("not below p"));
        assertThrows(IllegalArgumentException.class, () -> new Fp2(Fp.P, 0));
        assertThrows(IllegalArgumentException.class, () -> new Fp2(0, -1));
        assertThrows(MalformedInput.class, () -> Fp2.read(new byte[Fp2.BYTES - 1], 0, "t"));
    }

    @Test
    void partsOfAnArrayAreItsElementsParts() {
        Fp2[] values = {new Fp2(3, 0), new Fp2(Fp.P - 1, 7), Fp2.ZERO};
        assertEquals(List.of(3L, Fp.P - 1, 0L), java.util.Arrays.stream(Fp2.reals(values)).boxed().toList());
        assertEquals(List.of(0L, 7L, 0L), java.util.Arrays.stream(Fp2.imaginaries(values)).boxed().toList());
        assertEquals(false, Fp2.allBase(values));
        assertEquals(true, Fp2.allBase(new Fp2[] {new Fp2(3, 0), Fp2.ZERO}));
        assertEquals(true, Fp2.allBase(new Fp2[0]));
    }
}
