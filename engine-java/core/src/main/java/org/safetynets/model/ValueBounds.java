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

    private static BigInteger[][] dense(Dense d, Shape in, BigInteger[] low, BigInteger[] high) {
        int perChannel = in.height() * in.width();
        BigInteger[] lo = new BigInteger[d.outputs()];
        BigInteger[] hi = new BigInteger[d.outputs()];
        for (int o = 0; o < d.outputs(); o++) {
            BigInteger sumLo = BigInteger.valueOf(d.bias()[o]);
            BigInteger sumHi = sumLo;
            for (int j = 0; j < d.inputs(); j++) {
                BigInteger w = BigInteger.valueOf(d.weight(o, j));
                int c = j / perChannel;
                BigInteger a = w.multiply(at(low, c));
                BigInteger b = w.multiply(at(high, c));
                sumLo = sumLo.add(a.min(b));
                sumHi = sumHi.add(a.max(b));
            }
            lo[o] = sumLo;
            hi[o] = sumHi;
        }
        return new BigInteger[][] {lo, hi};
    }

    private static BigInteger[][] conv(Conv2d c, BigInteger[] low, BigInteger[] high) {
        BigInteger[] lo = new BigInteger[c.outChannels()];
        BigInteger[] hi = new BigInteger[c.outChannels()];
        for (int co = 0; co < c.outChannels(); co++) {
            BigInteger sumLo = BigInteger.valueOf(c.bias()[co]);
            BigInteger sumHi = sumLo;
            for (int ci = 0; ci < c.inChannels(); ci++)
                for (int kh = 0; kh < c.kernel(); kh++)
                    for (int kw = 0; kw < c.kernel(); kw++) {
                        BigInteger w = BigInteger.valueOf(c.weight(co, ci, kh, kw));
                        // A tap may read zero padding instead of a value: include 0 in the term's interval.
                        BigInteger a = w.multiply(at(low, ci));
                        BigInteger b = w.multiply(at(high, ci));
                        sumLo = sumLo.add(a.min(b).min(BigInteger.ZERO));
                        sumHi = sumHi.add(a.max(b).max(BigInteger.ZERO));
                    }
            lo[co] = sumLo;
            hi[co] = sumHi;
        }
        return new BigInteger[][] {lo, hi};
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
    private static BigInteger at(BigInteger[] ends, int c) {
        return ends.length == 1 ? ends[0] : ends[c];
    }
}
