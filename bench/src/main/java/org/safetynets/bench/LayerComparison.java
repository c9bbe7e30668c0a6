package org.safetynets.bench;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.bench.compare.TextTable;
import org.safetynets.bench.compare.Timings;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Section (e) of CoreBenchmark: the forward pass's products on the shapes of the demo CNN's and the shipped MNIST
 * CNN's layers, with their weight bounds and the activation widths those layers see, on one core: the Java CPU
 * backend against the scalar C {@code __int128} field kernel and the AVX-512 C kernel of the Java backend's limb
 * method ({@code bench/c/layer_kernels.c}), on the same operands ({@link LayerFill}), checksums compared.
 */
final class LayerComparison {
    /** The CPU backend's choice of kernels; the section turns its SIMD kernels on from the first call (see {@link #measure}). */
    static final String SIMD_PROPERTY = "safetynets.cpu.simd";

    /**
     * One layer's product: a convolution ({@code conv} not null) or a dense layer, rows x inner times inner x cols;
     * weights uniform in [-maxWeight, maxWeight], activations of {@code bits} bits.
     */
    record Layer(String name, ConvGeometry conv, int rows, int inner, int cols, long maxWeight, int bits) {
        static Layer conv(String name, int inChannels, int size, int outChannels, int batch, long maxWeight, int bits) {
            ConvGeometry g = new ConvGeometry(new Layout(new Shape(inChannels, size, size), batch), outChannels, 5, 1, 2);
            return new Layer(name, g, 0, 0, 0, maxWeight, bits);
        }

        static Layer dense(String name, int rows, int inner, int cols, long maxWeight, int bits) {
            return new Layer(name, null, rows, inner, cols, maxWeight, bits);
        }

        /** Multiply-accumulates of the shape, zero weights and the zero border included. */
        double macs() {
            if (conv == null) return (double) rows * inner * cols;
            Shape in = conv.input().shape();
            return (double) conv.outChannels() * conv.outputHeight() * conv.outputWidth() * conv.input().batch() * in.channels()
                    * conv.kernel() * conv.kernel();
        }

        String shape() {
            if (conv == null) return rows + "x" + inner + " * " + inner + "x" + cols;
            Shape in = conv.input().shape();
            return in.channels() + "x" + in.height() + "x" + in.width() + "->" + conv.outChannels() + " 5x5 b" + conv.input().batch();
        }

        List<String> arguments(int repetitions) {
            List<String> args = new ArrayList<>();
            if (conv != null) {
                Shape in = conv.input().shape();
                args.addAll(List.of("conv", Integer.toString(in.channels()), Integer.toString(in.height()), Integer.toString(in.width()),
                        Integer.toString(conv.input().batch()), Integer.toString(conv.outChannels()), Integer.toString(conv.kernel()),
                        Integer.toString(conv.padding())));
            } else {
                args.addAll(List.of("dense", Integer.toString(rows), Integer.toString(inner), Integer.toString(cols)));
            }
            args.addAll(List.of(Long.toString(maxWeight), Integer.toString(bits), Integer.toString(repetitions)));
            return args;
        }
    }

    /**
     * The layers: the demo CNN's (ternary weights; pixels of 2 bits, 12-bit activations after the first x² and pool,
     * 30-bit before the dense layer), the shipped MNIST CNN's (weights up to 16, 32, 32; 1-bit pixels, 13 and 40 bits),
     * as measured on their own data at batch 256 (bench/README.md), and the shipped conv2 and dense layers on the
     * widest activations the quantizer allows after x² (60 bits) and on any field element (61): two limbs.
     */
    static List<Layer> networkLayers(int batch) {
        return List.of(
                Layer.conv("demo conv1", 1, 28, 8, batch, 1, 2),
                Layer.conv("demo conv2", 8, 14, 16, batch, 1, 12),
                Layer.dense("demo dense", 10, 784, batch, 1, 30),
                Layer.conv("mnist conv1", 1, 28, 16, batch, 16, 1),
                Layer.conv("mnist conv2", 16, 14, 16, batch, 32, 13),
                Layer.dense("mnist dense", 10, 784, batch, 32, 40),
                Layer.conv("mnist conv2, 60-bit x", 16, 14, 16, batch, 32, 60),
                Layer.dense("mnist dense, any x", 10, 784, batch, 32, 61));
    }

    /** One layer's figures; C seconds are NaN where that kernel did not run ({@code limbsSkipped} says why). */
    record Row(Layer layer, Timings java, double cInt128, double cLimbs, String limbsSkipped, long javaChecksum, long cChecksum,
               long limbsChecksum) {
        boolean agrees() {
            return javaChecksum == cChecksum && (limbsSkipped != null || limbsChecksum == cChecksum);
        }
    }

    record Result(String backend, String compiler, List<Row> rows) {
    }

    private LayerComparison() {
    }

    /**
     * Each layer on the Java backend with one thread (median of {@code runs} after the warm-up, operands resident)
     * and in C (best of {@code cRepetitions} after one untimed run). The backend runs its SIMD kernels from the first
     * call ({@value #SIMD_PROPERTY}=on unless set otherwise): its default waits for a warm-up meant for cold processes.
     */
    static Result measure(CReference reference, List<Layer> layers, WarmUp.Rule warmUp, int runs, int cRepetitions) {
        String before = System.getProperty(SIMD_PROPERTY);
        if (before == null) System.setProperty(SIMD_PROPERTY, "on");
        try (Backend backend = Backends.open("cpu", 1, message -> { })) {
            List<Row> rows = new ArrayList<>();
            for (Layer layer : layers) rows.add(measure(backend, reference, layer, warmUp, runs, cRepetitions));
            return new Result(backend.description(), reference.compilerVersion(), rows);
        } finally {
            if (before == null) System.clearProperty(SIMD_PROPERTY);
        }
    }

    private static Row measure(Backend backend, CReference reference, Layer layer, WarmUp.Rule warmUp, int runs, int cRepetitions) {
        long[] left;
        long[] right;
        if (layer.conv() != null) {
            LayerFill.Conv operands = LayerFill.Conv.of(layer.conv(), layer.maxWeight(), layer.bits());
            left = operands.kernel();
            right = operands.input();
        } else {
            LayerFill.Dense operands = LayerFill.Dense.of(layer.rows(), layer.inner(), layer.cols(), layer.maxWeight(), layer.bits());
            left = operands.weights();
            right = operands.activations();
        }
        Timings java;
        long javaChecksum;
        try (DeviceTensor a = backend.upload(left); DeviceTensor b = backend.upload(right)) {
            java = Timings.measure(warmUp, runs, backend, () -> {
                try (DeviceTensor y = product(backend, layer, a, b)) {
                    // closed at once: only the product is timed
                }
            });
            try (DeviceTensor y = product(backend, layer, a, b)) {
                javaChecksum = FieldFill.checksum(backend.download(y));
            }
        }
        double cInt128 = Double.NaN;
        double cLimbs = Double.NaN;
        long cChecksum = -1;
        long limbsChecksum = -1;
        String limbsSkipped = "no output";
        for (String line : reference.output(layer.arguments(cRepetitions)).lines().toList()) {
            String[] f = line.trim().split("\\s+", 3);
            if (f[0].equals("c_int128")) {
                cInt128 = Double.parseDouble(f[1]);
                cChecksum = Long.parseUnsignedLong(f[2]);
            } else if (f[0].equals("c_avx512_limbs") && f[1].equals("skipped")) {
                limbsSkipped = f.length > 2 ? f[2] : "skipped";
            } else if (f[0].equals("c_avx512_limbs")) {
                cLimbs = Double.parseDouble(f[1]);
                limbsChecksum = Long.parseUnsignedLong(f[2]);
                limbsSkipped = null;
            }
        }
        if (Double.isNaN(cInt128)) throw new IllegalStateException("no c_int128 line from the C layer kernels for " + layer.name());
        return new Row(layer, java, cInt128, cLimbs, limbsSkipped, javaChecksum, cChecksum, limbsChecksum);
    }

    private static DeviceTensor product(Backend backend, Layer layer, DeviceTensor a, DeviceTensor b) {
        if (layer.conv() != null) return backend.conv2d(a, b, layer.conv());
        return backend.matmul(a, b, layer.rows(), layer.inner(), layer.cols());
    }

    /**
     * Speeds as ratios of times, C's over Java's, so 2.0 means Java does the layer in half C's time: best against best
     * (C reports its best run; Java's best is its min), which a machine shared with other work disturbs least; the
     * medians are printed beside them.
     */
    static String render(Result result) {
        TextTable table = new TextTable("layer", "shape", "max |w|", "x bits", "Java median", "Java best", "C int128", "C AVX-512 limbs",
                "Java MAC/s", "int128 / Java", "limbs / Java", "checksums");
        List<String> skipped = new ArrayList<>();
        for (Row row : result.rows()) {
            Layer l = row.layer();
            double best = row.java().min();
            table.add(l.name(), l.shape(), Long.toString(l.maxWeight()), Integer.toString(l.bits()), TextTable.seconds(row.java().median()),
                    TextTable.seconds(best), TextTable.seconds(row.cInt128()),
                    row.limbsSkipped() == null ? TextTable.seconds(row.cLimbs()) : "skipped", TextTable.rate(l.macs() / best),
                    String.format("%.2fx", row.cInt128() / best),
                    row.limbsSkipped() == null ? String.format("%.2fx", row.cLimbs() / best) : "n/a", row.agrees() ? "agree" : "DIFFER");
            if (row.limbsSkipped() != null) skipped.add(l.name() + ": " + row.limbsSkipped());
        }
        StringBuilder out = new StringBuilder(table.render("  "));
        if (!skipped.isEmpty()) out.append("  C AVX-512 limbs skipped: ").append(String.join("; ", skipped)).append('\n');
        return out.toString();
    }

    static void addCsv(CsvReport csv, Result result) {
        for (Row row : result.rows()) {
            Layer l = row.layer();
            Timings t = row.java();
            double perSecond = l.macs() / t.min();
            csv.add("layers", "Java cpu " + l.name(), 1, l.shape(), t.median(), t.min(), t.max(), perSecond, perSecond,
                    row.cInt128() / t.min(), "c_int128_best/java_best", null);
            if (row.limbsSkipped() == null) {
                csv.add("layers", "Java cpu " + l.name(), 1, l.shape(), t.median(), t.min(), t.max(), perSecond, perSecond,
                        row.cLimbs() / t.min(), "c_avx512_limbs_best/java_best", null);
            }
        }
    }
}
