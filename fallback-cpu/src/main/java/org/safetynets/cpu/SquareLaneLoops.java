package org.safetynets.cpu;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.safetynets.field.Fp;

/**
 * The x^2 sum-check's passes over SIMD lanes ({@link SquareRoundKernels} with F_p^2 weights): the first two
 * rounds' grid over small base values, the folds by an F_p^2 challenge, and the sums over an F_p^2 table. n is a
 * multiple of the lanes. Same rules as {@link LaneLoops}: each method is one loop that calls no method of ours
 * (an out-of-line helper taking vectors boxes every lane), lanes hold canonical or folded values (below
 * 2^61 + 8), and a product of operands below 2^61 + 2^32 is taken in 32-bit limbs (see LaneLoops' comment).
 *
 * <p>Accumulators are arrays of lanes ({@code acc[off + lane]}), each lane folded: the unfolded limb product t
 * is below 3*2^61 + 2^34, so fold(acc) + t < 2^63 + 2^35 fits 64 bits unsigned, and one fold per step keeps it.
 * {@link #laneSum} makes a run of lanes one canonical value. They are read and written back in every iteration
 * rather than held in a vector carried from one iteration to the next: C2 (JDK 17) now and then compiles such a loop
 * without the carried vector's exact type (PrintIntrinsics: "missing constant: vclass=DecodeN ... vlen=LoadI"), and
 * then boxes its vectors: the F_p^2 rounds ran 3-5x slower for the rest of the process, in about one process in ten.
 * The round trip through L1 costs nothing measurable beside the limb products.
 */
final class SquareLaneLoops {
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final long P = Fp.P;
    private static final long LOW32 = 0xFFFF_FFFFL;
    private static final long LOW29 = (1L << 29) - 1;

    private SquareLaneLoops() {
    }

    static int lanes() {
        return LANES;
    }

    /** The canonical sum of acc[off + lane] over the lanes (each below 2^64 read as unsigned). */
    static long laneSum(long[] acc, int off) {
        long sum = 0;
        for (int lane = 0; lane < LANES; lane++) sum = Fp.add(sum, Fp.reduceUnsigned(acc[off + lane]));
        return sum;
    }

    /**
     * The grid's rows for one v in {0, 1, 2}: rowLow[j] = g(0, v), rowHigh[j] = g(1, v) as signed integers, where g(0, .) is the
     * line through A[i], A[i + quarter] and g(1, .) through A[i + 2*quarter], A[i + 3*quarter], i = from + j, for
     * canonical A whose signed values are small (|g| stays below 2^31).
     */
    static void signedRows(long[] a, int from, int quarter, int v, int n, long[] rowLow, long[] rowHigh) {
        long maxSigned = Fp.MAX_SIGNED;
        for (int j = 0; j < n; j += LANES) {
            int i = from + j;
            LongVector x0 = LongVector.fromArray(SPECIES, a, i);
            LongVector x1 = LongVector.fromArray(SPECIES, a, i + quarter);
            LongVector x2 = LongVector.fromArray(SPECIES, a, i + 2 * quarter);
            LongVector x3 = LongVector.fromArray(SPECIES, a, i + 3 * quarter);
            // signed(x) = x - p above (p-1)/2
            x0 = x0.sub(LongVector.broadcast(SPECIES, maxSigned).sub(x0).lanewise(VectorOperators.ASHR, 63).and(P));
            x1 = x1.sub(LongVector.broadcast(SPECIES, maxSigned).sub(x1).lanewise(VectorOperators.ASHR, 63).and(P));
            x2 = x2.sub(LongVector.broadcast(SPECIES, maxSigned).sub(x2).lanewise(VectorOperators.ASHR, 63).and(P));
            x3 = x3.sub(LongVector.broadcast(SPECIES, maxSigned).sub(x3).lanewise(VectorOperators.ASHR, 63).and(P));
            // x0 + v (x1 - x0) for v in {0, 1, 2}, with no multiply (a 64-bit lane product is several micro-ops)
            if (v == 0) {
                x0.intoArray(rowLow, j);
                x2.intoArray(rowHigh, j);
            } else if (v == 1) {
                x1.intoArray(rowLow, j);
                x3.intoArray(rowHigh, j);
            } else {
                x1.add(x1).sub(x0).intoArray(rowLow, j);
                x3.add(x3).sub(x2).intoArray(rowHigh, j);
            }
        }
    }

    /**
     * In place, for j < n, i = from + j: T[i] += r (T[i + half] - T[i]) over an extension table (re, im), r = c + di:
     * with the difference u + vi, re += c u + (p - d) v, im += c v + d u; canonical out.
     */
    static void foldExtension(long[] re, long[] im, int half, long c, long d, int from, int n) {
        long minusD = Fp.neg(d);
        LongVector c0 = LongVector.broadcast(SPECIES, c & LOW32);
        LongVector c1 = LongVector.broadcast(SPECIES, c >>> 32);
        LongVector d0 = LongVector.broadcast(SPECIES, d & LOW32);
        LongVector d1 = LongVector.broadcast(SPECIES, d >>> 32);
        LongVector m0 = LongVector.broadcast(SPECIES, minusD & LOW32);
        LongVector m1 = LongVector.broadcast(SPECIES, minusD >>> 32);
        for (int j = 0; j < n; j += LANES) {
            int i = from + j;
            LongVector lowRe = LongVector.fromArray(SPECIES, re, i);
            LongVector lowIm = LongVector.fromArray(SPECIES, im, i);
            LongVector u = LongVector.fromArray(SPECIES, re, i + half).add(P).sub(lowRe);
            u = u.and(P).add(u.lanewise(VectorOperators.LSHR, 61)); // folded, at most p + 1
            LongVector v = LongVector.fromArray(SPECIES, im, i + half).add(P).sub(lowIm);
            v = v.and(P).add(v.lanewise(VectorOperators.LSHR, 61));
            LongVector u0 = u.and(LOW32);
            LongVector u1 = u.lanewise(VectorOperators.LSHR, 32);
            LongVector v0 = v.and(LOW32);
            LongVector v1 = v.lanewise(VectorOperators.LSHR, 32);
            // c u + (p - d) v: the limb sums of two products add up below 2^63 (p00 < 2^64 each is folded first)
            LongVector p00 = c0.mul(u0);
            LongVector q00 = m0.mul(v0);
            LongVector p01 = c0.mul(u1).add(c1.mul(u0)).add(m0.mul(v1)).add(m1.mul(v0)); // < 2^63
            LongVector p11 = c1.mul(u1).add(m1.mul(v1)); // < 2^59
            LongVector t = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(q00.and(P)).add(q00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3)); // < 2^62 + 2^34 + 2^62 + 2^61 + 2^62 < 2^64
            t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).add(lowRe); // < 2^62 + 8
            t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).sub(P); // fold <= p + 2: in [-p, 2]
            t.add(t.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(re, i);
            // c v + d u
            p00 = c0.mul(v0);
            q00 = d0.mul(u0);
            p01 = c0.mul(v1).add(c1.mul(v0)).add(d0.mul(u1)).add(d1.mul(u0));
            p11 = c1.mul(v1).add(d1.mul(u1));
            t = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(q00.and(P)).add(q00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).add(lowIm);
            t = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).sub(P);
            t.add(t.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(im, i);
        }
    }

    /**
     * sqRe[off + j] + sqIm[off + j] i = x_j^2 (or plus what they hold, with {@code add}), folded, for x_j the line
     * through (re, im)[at0 + j] and [at1 + j] at t in {0, 1, 2}: x^2 = (a + b)(a - b) + 2ab i, two limb products.
     */
    static void extensionSquares(long[] re, long[] im, int at0, int at1, int t, int n, long[] sqRe, long[] sqIm, int off,
                                 boolean add) {
        for (int j = 0; j < n; j += LANES) {
            LongVector a;
            LongVector b;
            if (t == 0) {
                a = LongVector.fromArray(SPECIES, re, at0 + j);
                b = LongVector.fromArray(SPECIES, im, at0 + j);
            } else if (t == 1) {
                a = LongVector.fromArray(SPECIES, re, at1 + j);
                b = LongVector.fromArray(SPECIES, im, at1 + j);
            } else {
                // 2 x1 - x0 + p < 3p: folded
                LongVector x1 = LongVector.fromArray(SPECIES, re, at1 + j);
                a = x1.add(x1).add(P).sub(LongVector.fromArray(SPECIES, re, at0 + j));
                a = a.and(P).add(a.lanewise(VectorOperators.LSHR, 61));
                x1 = LongVector.fromArray(SPECIES, im, at1 + j);
                b = x1.add(x1).add(P).sub(LongVector.fromArray(SPECIES, im, at0 + j));
                b = b.and(P).add(b.lanewise(VectorOperators.LSHR, 61));
            }
            // folded operands below 2^61 + 8: sum and difference (+ 2p) folded again
            LongVector sum = a.add(b);
            sum = sum.and(P).add(sum.lanewise(VectorOperators.LSHR, 61));
            LongVector diff = a.add(2 * P).sub(b);
            diff = diff.and(P).add(diff.lanewise(VectorOperators.LSHR, 61));
            LongVector x0 = sum.and(LOW32);
            LongVector x1 = sum.lanewise(VectorOperators.LSHR, 32);
            LongVector y0 = diff.and(LOW32);
            LongVector y1 = diff.lanewise(VectorOperators.LSHR, 32);
            LongVector p00 = x0.mul(y0);
            LongVector p01 = x0.mul(y1).add(x1.mul(y0));
            LongVector p11 = x1.mul(y1);
            LongVector sr = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            sr = sr.and(P).add(sr.lanewise(VectorOperators.LSHR, 61));
            x0 = a.and(LOW32);
            x1 = a.lanewise(VectorOperators.LSHR, 32);
            y0 = b.and(LOW32);
            y1 = b.lanewise(VectorOperators.LSHR, 32);
            p00 = x0.mul(y0);
            p01 = x0.mul(y1).add(x1.mul(y0));
            p11 = x1.mul(y1);
            LongVector si = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            si = si.and(P).add(si.lanewise(VectorOperators.LSHR, 61));
            si = si.add(si); // below 2^62 + 16
            if (add) {
                sr = sr.add(LongVector.fromArray(SPECIES, sqRe, off + j));
                si = si.and(P).add(si.lanewise(VectorOperators.LSHR, 61)).add(LongVector.fromArray(SPECIES, sqIm, off + j));
            }
            sr.and(P).add(sr.lanewise(VectorOperators.LSHR, 61)).intoArray(sqRe, off + j);
            si.and(P).add(si.lanewise(VectorOperators.LSHR, 61)).intoArray(sqIm, off + j);
        }
    }

    /**
     * Adds, for j < n, the products of the folded squares sqRe[off + j] + sqIm[off + j] i with the weight
     * low[lowOff + j] into four runs of lanes at acc[accOff..]: rr (lowRe sr), ii (lowIm si), ri (lowRe si),
     * ir (lowIm sr); the block's sum is (rr - ii) + (ri + ir) i.
     */
    static void weighExtensionSquares(long[] sqRe, long[] sqIm, int off, long[] lowRe, long[] lowIm, int lowOff, int n,
                                      long[] acc, int accOff) {
        for (int j = 0; j < n; j += LANES) {
            LongVector sr = LongVector.fromArray(SPECIES, sqRe, off + j);
            LongVector si = LongVector.fromArray(SPECIES, sqIm, off + j);
            LongVector sr0 = sr.and(LOW32);
            LongVector sr1 = sr.lanewise(VectorOperators.LSHR, 32);
            LongVector si0 = si.and(LOW32);
            LongVector si1 = si.lanewise(VectorOperators.LSHR, 32);
            LongVector w = LongVector.fromArray(SPECIES, lowRe, lowOff + j);
            LongVector w0 = w.and(LOW32);
            LongVector w1 = w.lanewise(VectorOperators.LSHR, 32);
            LongVector p00 = w0.mul(sr0);
            LongVector p01 = w0.mul(sr1).add(w1.mul(sr0));
            LongVector p11 = w1.mul(sr1);
            LongVector term = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector rr = LongVector.fromArray(SPECIES, acc, accOff);
            rr.and(P).add(rr.lanewise(VectorOperators.LSHR, 61)).add(term).intoArray(acc, accOff);
            p00 = w0.mul(si0);
            p01 = w0.mul(si1).add(w1.mul(si0));
            p11 = w1.mul(si1);
            term = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector ri = LongVector.fromArray(SPECIES, acc, accOff + 2 * LANES);
            ri.and(P).add(ri.lanewise(VectorOperators.LSHR, 61)).add(term).intoArray(acc, accOff + 2 * LANES);
            w = LongVector.fromArray(SPECIES, lowIm, lowOff + j);
            w0 = w.and(LOW32);
            w1 = w.lanewise(VectorOperators.LSHR, 32);
            p00 = w0.mul(si0);
            p01 = w0.mul(si1).add(w1.mul(si0));
            p11 = w1.mul(si1);
            term = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector ii = LongVector.fromArray(SPECIES, acc, accOff + LANES);
            ii.and(P).add(ii.lanewise(VectorOperators.LSHR, 61)).add(term).intoArray(acc, accOff + LANES);
            p00 = w0.mul(sr0);
            p01 = w0.mul(sr1).add(w1.mul(sr0));
            p11 = w1.mul(sr1);
            term = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector ir = LongVector.fromArray(SPECIES, acc, accOff + 3 * LANES);
            ir.and(P).add(ir.lanewise(VectorOperators.LSHR, 61)).add(term).intoArray(acc, accOff + 3 * LANES);
        }
    }

    /** Base values in [-SMALL, SMALL) take {@link #smallBilinear}: four products with a 32-bit limb add up exactly. */
    private static final long SMALL = 1L << 27;
    private static final int SMALL_BITS_PLUS_ONE = 28;

    /**
     * The two folds of a base table by extension challenges in one step, for small activations: out[outOff + j] =
     * sum over k of w[k] X_k, i = from + j, for the quads X_0 = A[i], X_1 = A[i + quarter], X_2 = A[i + 2*quarter],
     * X_3 = A[i + 3*quarter] of signed integers in [-SMALL, SMALL) and canonical weights w[k] = wRe[k] + wIm[k] i.
     * Each weight part is split into 32-bit limbs, c = ch*2^32 + cl, so the four products with each limb add up
     * exactly in a signed lane (below 2^58 and 2^61 in magnitude), and H*2^32 + L = (H >>> 29) + (H mod 2^29)*2^32 + L
     * mod p once H and L are made non-negative by adding p.
     *
     * @return whether every value read lies in [-SMALL, SMALL); the outputs are meaningless otherwise
     */
    static boolean smallBilinear(long[] a, int from, int quarter, long[] wRe, long[] wIm, int n, long[] outRe, long[] outIm,
                                 int outOff) {
        LongVector maxSigned = LongVector.broadcast(SPECIES, Fp.MAX_SIGNED);
        long any = 0;
        for (int j = 0; j < n; j += LANES) {
            int i = from + j;
            // the quad's four values, written out (see the class comment: no vector carried from one iteration on)
            LongVector x = LongVector.fromArray(SPECIES, a, i);
            LongVector s0 = x.sub(maxSigned.sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
            x = LongVector.fromArray(SPECIES, a, i + quarter);
            LongVector s1 = x.sub(maxSigned.sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
            x = LongVector.fromArray(SPECIES, a, i + 2 * quarter);
            LongVector s2 = x.sub(maxSigned.sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
            x = LongVector.fromArray(SPECIES, a, i + 3 * quarter);
            LongVector s3 = x.sub(maxSigned.sub(x).lanewise(VectorOperators.ASHR, 63).and(P));
            // in [0, 2 * SMALL) exactly when every s is in range
            any |= s0.add(SMALL).or(s1.add(SMALL)).or(s2.add(SMALL)).or(s3.add(SMALL)).reduceLanes(VectorOperators.OR);
            LongVector highRe = s0.mul(wRe[0] >>> 32).add(s1.mul(wRe[1] >>> 32)).add(s2.mul(wRe[2] >>> 32)).add(s3.mul(wRe[3] >>> 32));
            LongVector lowRe = s0.mul(wRe[0] & LOW32).add(s1.mul(wRe[1] & LOW32)).add(s2.mul(wRe[2] & LOW32)).add(s3.mul(wRe[3] & LOW32));
            LongVector highIm = s0.mul(wIm[0] >>> 32).add(s1.mul(wIm[1] >>> 32)).add(s2.mul(wIm[2] >>> 32)).add(s3.mul(wIm[3] >>> 32));
            LongVector lowIm = s0.mul(wIm[0] & LOW32).add(s1.mul(wIm[1] & LOW32)).add(s2.mul(wIm[2] & LOW32)).add(s3.mul(wIm[3] & LOW32));
            highRe = highRe.add(highRe.lanewise(VectorOperators.ASHR, 63).and(P)); // in [0, p)
            lowRe = lowRe.add(lowRe.lanewise(VectorOperators.ASHR, 63).and(P)); // in [0, p]
            LongVector t = lowRe.add(highRe.lanewise(VectorOperators.LSHR, 29)).add(highRe.and(LOW29).lanewise(VectorOperators.LSHL, 32));
            LongVector f = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).sub(P); // fold(t) <= p + 1: f in [-p, 1]
            f.add(f.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(outRe, outOff + j);
            highIm = highIm.add(highIm.lanewise(VectorOperators.ASHR, 63).and(P));
            lowIm = lowIm.add(lowIm.lanewise(VectorOperators.ASHR, 63).and(P));
            t = lowIm.add(highIm.lanewise(VectorOperators.LSHR, 29)).add(highIm.and(LOW29).lanewise(VectorOperators.LSHL, 32));
            f = t.and(P).add(t.lanewise(VectorOperators.LSHR, 61)).sub(P);
            f.add(f.lanewise(VectorOperators.ASHR, 63).and(P)).intoArray(outIm, outOff + j);
        }
        return (any >>> SMALL_BITS_PLUS_ONE) == 0;
    }

    /**
     * out[outOff + j] (or plus it, with {@code add}) = x_j^2, x_j = rowLow[j] + u (rowHigh[j] - rowLow[j]), u in {0, 1, 2}, in signed
     * integers below 2^31 in magnitude: exact. Sums of up to four of the grid's squares (each below 81 * 2^54) stay
     * below 2^63, unreduced.
     */
    static void signedSquares(long[] rowLow, long[] rowHigh, int u, int n, long[] out, int outOff, boolean add) {
        for (int j = 0; j < n; j += LANES) {
            LongVector x;
            if (u == 0) {
                x = LongVector.fromArray(SPECIES, rowLow, j);
            } else if (u == 1) {
                x = LongVector.fromArray(SPECIES, rowHigh, j);
            } else {
                LongVector h = LongVector.fromArray(SPECIES, rowHigh, j);
                x = h.add(h).sub(LongVector.fromArray(SPECIES, rowLow, j));
            }
            LongVector sq = x.mul(x);
            if (add) sq = sq.add(LongVector.fromArray(SPECIES, out, outOff + j));
            sq.intoArray(out, outOff + j);
        }
    }

    /**
     * Adds sum over j < n of lowRe[lowOff + j] S_j into the lanes acc[accOff..] and of lowIm[...] S_j into
     * acc[accOff + LANES..], for sums of squares S below 2^63 (folded first: below 2^61 + 4, a valid limb operand).
     */
    static void weighSums(long[] sums, int sumsOff, long[] lowRe, long[] lowIm, int lowOff, int n, long[] acc, int accOff) {
        for (int j = 0; j < n; j += LANES) {
            LongVector sq = LongVector.fromArray(SPECIES, sums, sumsOff + j);
            sq = sq.and(P).add(sq.lanewise(VectorOperators.LSHR, 61));
            LongVector s0 = sq.and(LOW32);
            LongVector s1 = sq.lanewise(VectorOperators.LSHR, 32);
            LongVector w = LongVector.fromArray(SPECIES, lowRe, lowOff + j);
            LongVector w0 = w.and(LOW32);
            LongVector w1 = w.lanewise(VectorOperators.LSHR, 32);
            LongVector p00 = w0.mul(s0);
            LongVector p01 = w0.mul(s1).add(w1.mul(s0));
            LongVector p11 = w1.mul(s1);
            LongVector t = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector accRe = LongVector.fromArray(SPECIES, acc, accOff);
            accRe.and(P).add(accRe.lanewise(VectorOperators.LSHR, 61)).add(t).intoArray(acc, accOff);
            w = LongVector.fromArray(SPECIES, lowIm, lowOff + j);
            w0 = w.and(LOW32);
            w1 = w.lanewise(VectorOperators.LSHR, 32);
            p00 = w0.mul(s0);
            p01 = w0.mul(s1).add(w1.mul(s0));
            p11 = w1.mul(s1);
            t = p00.and(P).add(p00.lanewise(VectorOperators.LSHR, 61))
                    .add(p01.lanewise(VectorOperators.LSHR, 29))
                    .add(p01.and(LOW29).lanewise(VectorOperators.LSHL, 32))
                    .add(p11.lanewise(VectorOperators.LSHL, 3));
            LongVector accIm = LongVector.fromArray(SPECIES, acc, accOff + LANES);
            accIm.and(P).add(accIm.lanewise(VectorOperators.LSHR, 61)).add(t).intoArray(acc, accOff + LANES);
        }
    }
}
