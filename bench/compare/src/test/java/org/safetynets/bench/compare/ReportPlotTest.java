package org.safetynets.bench.compare;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plot's data, not its pixels: ticks at the measured batches only, a colour per line, min-max bars. */
class ReportPlotTest {
    private static final List<Integer> BATCHES = List.of(100, 1, 16); // not a geometric series, and not in order

    /** Times {median, min, max} distinct per role, backend and batch, so that every bar can be traced to its row. */
    private static Timings timings(double median) {
        return new Timings(new double[] {median * 0.9, median, median * 1.5});
    }

    private static Report report() {
        Model model = new Model("net", Shape.vector(2), 0, 1, 1, List.of(new Square()));
        CompareOptions options = new CompareOptions(BATCHES, 3, 0, 0, List.of(), List.of(Workload.Network.of("net", "test", model, 1)), 1);
        List<HostRow> hostRows = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (int batch : BATCHES) {
            HostRow host = new HostRow("net", batch, timings(1e-3 * batch), timings(2e-4 * batch), timings(1e-4 * batch), 100, "");
            hostRows.add(host);
            rows.add(new Row("net", "cpu", "cpu", batch, host, timings(3e-3 * batch), timings(4e-3 * batch), null, 1, 2, -1, -1, 0, ""));
            rows.add(new Row("net", "opencl", "opencl", batch, host, timings(5e-3 * batch), timings(6e-3 * batch), null, 1, 2, 3, -1, 0, ""));
        }
        return new Report(new Report.Environment("now", "17", "vm", "os", 2, 1L << 30, List.of()), options, hostRows, rows);
    }

    private static double[] positions(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return x;
    }

    @Test
    void ticksAreTheMeasuredBatchesEachLineHasItsOwnColourAndEveryPointAMinMaxBar() throws Exception {
        Report report = report();
        assertEquals(List.of(1, 16, 100), ReportPlot.batches(report, "net"));
        XYChart chart = ReportPlot.chart(report, "net");

        // One tick position per measured batch, labelled with it; nothing between.
        var label = chart.getStyler().getxAxisTickLabelsFormattingFunction();
        assertEquals(List.of("1", "16", "100"), List.of(label.apply(0.0), label.apply(1.0), label.apply(2.0)));
        assertEquals("", label.apply(0.5));
        assertEquals("", label.apply(3.0));

        List<XYSeries> lines = chart.getSeriesCollection().stream().filter(s -> !s.getName().startsWith(ReportPlot.RANGE_PREFIX)).toList();
        assertEquals(List.of("float inference (no backend)", "field inference, cpu", "prover, cpu", "field inference, opencl",
                "prover, opencl", "verifier (no backend)"), lines.stream().map(XYSeries::getName).toList(),
                "float inference and the verifier once, not per backend");
        Set<Color> colours = new HashSet<>();
        for (XYSeries line : lines) {
            assertArrayEquals(positions(3), line.getXData(), line.getName());
            assertTrue(colours.add(line.getLineColor()), line.getName() + " shares a colour");
        }

        // A bar per line and batch, from the fastest run to the slowest, in the line's colour, not in the legend.
        List<XYSeries> bars = chart.getSeriesCollection().stream().filter(s -> s.getName().startsWith(ReportPlot.RANGE_PREFIX)).toList();
        assertEquals(lines.size() * 3, bars.size());
        XYSeries proverBar = chart.getSeries(ReportPlot.RANGE_PREFIX + "prover, opencl at 16");
        assertArrayEquals(new double[] {1, 1}, proverBar.getXData());
        assertArrayEquals(new double[] {6e-3 * 16 * 0.9, 6e-3 * 16 * 1.5}, proverBar.getYData(), 1e-15);
        assertEquals(chart.getSeries("prover, opencl").getLineColor(), proverBar.getLineColor());
        assertFalse(proverBar.isShowInLegend());

        System.setProperty("java.awt.headless", "true");
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }
}
