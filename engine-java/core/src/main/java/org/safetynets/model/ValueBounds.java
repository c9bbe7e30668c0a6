package org.safetynets.model;

import org.safetynets.MalformedInput;
import org.safetynets.field.Fp;
import org.safetynets.tensor.Shape;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Interval analysis over every valid input: for each layer, an interval per channel that contains every value
 * the layer can produce when each input value lies in [inputMin, inputMax]. If every interval lies within
 * +-(p-1)/2, the field computation never wraps and equals the integer network exactly. Exact BigInteger
 * arithmetic, so the analysis itself cannot overflow.
 */
public final class ValueBounds {
    private static final BigInteger LIMIT = BigInteger.valueOf(Fp.MAX_SIGNED);

    /** The bound after layer {@code layer} (1-based): the largest magnitude any of its values can take. */
    public record LayerBound(int layer, String kind, BigInteger low, BigInteger high) {
        public BigInteger magnitude() {
            return low.abs().max(high.abs());
        }

        /** log2 of the magnitude (0 for 0). */
        public double bits() {
            BigInteger m = magnitude();
            return m.signum() == 0 ? 0 : Math.log(m.doubleValue()) / Math.log(2);
        }

        /** Bits to spare below the field's signed range (p-1)/2 ~ 2^60. */
        public double headroomBits() {
            return Math.log(LIMIT.doubleValue()) / Math.log(2) - bits();
        }

        public boolean withinField() {
            return magnitude().compareTo(LIMIT) <= 0;
        }
    }

    private final List<LayerBound> bounds;

    private ValueBounds(List<LayerBound> bounds) {
        this.bounds = List.copyOf(bounds);
    }

    public List<LayerBound> layers() {
        return bounds;
    }

    /** Throws MalformedInput naming the first layer that could overflow, with its bound. */
    public void requireWithinField() {
        for (LayerBound b : bounds) {
            if (!b.withinField()) {
                throw new MalformedInput("model", String.format(
                        "layer %d (%s) can reach magnitude 2^%.1f over the valid inputs, beyond the field's signed range (p-1)/2 ~ 2^60: "
                                + "use fewer bits for weights or inputs", b.layer(), b.kind(), b.bits()));
            }
        }
    }

    public static ValueBounds analyze(Shape input, long inputMin, long inputMax, List<Layer> layers) {
        // Intervals are per channel; every input channel shares one, kept as a single entry (see at()), so a
        // model that declares millions of input channels costs nothing here. Layers with weights produce one
        // interval per output channel, bounded by their parameter count.
        BigInteger[] low = {BigInteger.valueOf(inputMin)};
        BigInteger[] high = {BigInteger.valueOf(inputMax)};
        List<LayerBound> result = new ArrayList<>();
        Shape shape = input;
        int index = 0;
        for (Layer layer : layers) {
            index++;
            Shape next = layer.outputShape(shape);
            BigInteger[][] out;
            if (layer instanceof Dense d) out = dense(d, shape, low, high);
            else if (layer instanceof Conv2d c) out = conv(c, low, high);
            else if (layer instanceof Square) out = square(low, high);
            else if (layer instanceof SumPool p) out = pool(p, low, high);
            else out = new BigInteger[][] {low.clone(), high.clone()}; // flatten: one interval per channel still
            low = out[0];
            high = out[1];
            BigInteger lo = low[0];
            BigInteger hi = high[0];
            for (int c = 1; c < low.length; c++) {
                lo = lo.min(low[c]);
                hi = hi.max(high[c]);
            }
            result.add(new LayerBound(index, layer.kind(), lo, hi));
            shape = next;
            if (!result.get(result.size() - 1).withinField()) break; // later bounds would only grow
        }
        return new ValueBounds(result);
    }

    /*
     * Dense and conv: a term w*x over an input interval [l, h] (l <= h) lies in [w*l, w*h] for w >= 0 and [w*h, w*l]
     * for w < 0, and a layer's interval is its bias plus the sum of its terms' intervals. Every interval a layer reads
     * lies within the field's signed range (the analysis stops at the first layer beyond it), so its ends are longs
     * and the sums are exact in 128 bits (ExactSum); BigInteger products per weight cost about a fifth of a proof of
     * one sample of the shipped MNIST CNN, whose bounds are analysed per proof, and seconds for the TIMIT network.
     */

    private static BigInteger[][] dense(Dense d, Shape in, BigInteger[] low, BigInteger[] high) {
        int perChannel = in.height() * in.width();
        long[] l = longs(low);
        long[] h = longs(high);
        long[] weights = d.weights();
        BigInteger[] lo = new BigInteger[d.outputs()];
        BigInteger[] hi = new BigInteger[d.outputs()];
        ExactSum sumLo = new ExactSum();
        ExactSum sumHi = new ExactSum();
        for (int o = 0; o < d.outputs(); o++) {
            sumLo.reset(d.bias()[o]);
            sumHi.reset(d.bias()[o]);
            int row = o * d.inputs();
            for (int j = 0; j < d.inputs(); j++) {
                int c = j / perChannel;
                addTerm(weights[row + j], at(l, c), at(h, c), sumLo, sumHi);
            }
            lo[o] = sumLo.value();
            hi[o] = sumHi.value();
        }
        return new BigInteger[][] {lo, hi};
    }

    private static BigInteger[][] conv(Conv2d c, BigInteger[] low, BigInteger[] high) {
        long[] l = longs(low);
        long[] h = longs(high);
        long[] weights = c.weights();
        int taps = c.kernel() * c.kernel();
        BigInteger[] lo = new BigInteger[c.outChannels()];
        BigInteger[] hi = new BigInteger[c.outChannels()];
        ExactSum sumLo = new ExactSum();
        ExactSum sumHi = new ExactSum();
        for (int co = 0; co < c.outChannels(); co++) {
            sumLo.reset(c.bias()[co]);
            sumHi.reset(c.bias()[co]);
            for (int ci = 0; ci < c.inChannels(); ci++) {
                // A tap may read zero padding instead of a value: 0 joins every term's interval.
                long tapLow = Math.min(at(l, ci), 0);
                long tapHigh = Math.max(at(h, ci), 0);
                int first = (co * c.inChannels() + ci) * taps; // weight(co, ci, 0, 0); (kh, kw) follow row-major
                for (int t = first; t < first + taps; t++) addTerm(weights[t], tapLow, tapHigh, sumLo, sumHi);
            }
            lo[co] = sumLo.value();
            hi[co] = sumHi.value();
        }
        return new BigInteger[][] {lo, hi};
    }

    /** Adds the interval of w*x, x in [l, h], to [sumLo, sumHi]. */
    private static void addTerm(long w, long l, long h, ExactSum sumLo, ExactSum sumHi) {
        if (w >= 0) {
            sumLo.addProduct(w, l);
            sumHi.addProduct(w, h);
        } else {
            sumLo.addProduct(w, h);
            sumHi.addProduct(w, l);
        }
    }

    /** Interval ends as longs: they lie within the field's signed range (see analyze). */
    private static long[] longs(BigInteger[] ends) {
        long[] out = new long[ends.length];
        for (int i = 0; i < ends.length; i++) out[i] = ends[i].longValueExact();
        return out;
    }

    /**
     * An exact sum of products of longs: a signed 128-bit partial (high and low words) while its high word stays
     * within +-2^61, then carried into a BigInteger. The product of two longs has a high word of at most 2^62 in
     * magnitude, so adding one (and a carry) to a high word within 2^61 cannot overflow.
     */
    private static final class ExactSum {
        private static final long CARRY_AT = 1L << 61;
        private long high;
        private long low;
        private BigInteger carried = BigInteger.ZERO;

        void reset(long start) {
            carried = BigInteger.ZERO;
            low = start;
            high = start >> 63;
        }

        void addProduct(long a, long b) {
            if (high >= CARRY_AT || high <= -CARRY_AT) {
                carried = carried.add(value128());
                high = 0;
                low = 0;
            }
            long productLow = a * b;
            long sumLow = low + productLow;
            long carry = Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0;
            high += Math.multiplyHigh(a, b) + carry;
            low = sumLow;
        }

        BigInteger value() {
            return carried.add(value128());
        }

        private BigInteger value128() {
            return BigInteger.valueOf(high).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(low)));
        }
    }

    private static BigInteger[][] square(BigInteger[] low, BigInteger[] high) {
        BigInteger[] lo = new BigInteger[low.length];
        BigInteger[] hi = new BigInteger[low.length];
        for (int c = 0; c < low.length; c++) {
            BigInteger a = low[c].multiply(low[c]);
            BigInteger b = high[c].multiply(high[c]);
            boolean straddlesZero = low[c].signum() <= 0 && high[c].signum() >= 0;
            lo[c] = straddlesZero ? BigInteger.ZERO : a.min(b);
            hi[c] = a.max(b);
        }
        return new BigInteger[][] {lo, hi};
    }

    private static BigInteger[][] pool(SumPool p, BigInteger[] low, BigInteger[] high) {
        // A window sums between 1 (ragged edge) and s*s values.
        BigInteger cells = BigInteger.valueOf((long) p.window() * p.window());
        BigInteger[] lo = new BigInteger[low.length];
        BigInteger[] hi = new BigInteger[low.length];
        for (int c = 0; c < low.length; c++) {
            lo[c] = low[c].signum() < 0 ? low[c].multiply(cells) : low[c];
            hi[c] = high[c].signum() > 0 ? high[c].multiply(cells) : high[c];
        }
        return new BigInteger[][] {lo, hi};
    }

    /** Channel c's interval end; a one-entry array stands for every channel alike. */
    private static long at(long[] ends, int c) {
        return ends.length == 1 ? ends[0] : ends[c];
    }
}
