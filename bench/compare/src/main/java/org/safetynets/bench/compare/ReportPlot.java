package org.safetynets.bench.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A PNG per network workload: median time against batch size, log time, one line per role: float inference and the
 * verifier once (they use no backend: the host rows), field inference, the prover and the prepared prover once
 * per backend. The x axis has a tick at each batch size measured and nowhere else, evenly spaced in batch order
 * (log-spaced for the default 1, 16, 256, 4096). Every line has a colour of its own, and a vertical bar at each point from the fastest to the
 * slowest timed run (min-max).
 */
public final class ReportPlot {
    /** Ten colours apart from one another (Tableau 10): one per line, in legend order. */
    static final List<Color> PALETTE = List.of(new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
            new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0x000000));
    /** Names of the min-max bar series start with this; they are not in the legend. */
    static final String RANGE_PREFIX = "range: ";

    private ReportPlot() {
    }

    /**
     * Why no plot can be drawn in this runtime, or empty when one can. The small runtimes that
     * {@code device-pack} builds for GPU hosts leave out java.desktop, which drawing needs.
     */
    public static Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            return Optional.of("this Java runtime has no java.desktop module (a jlink'd runtime?); CSV and JSON carry every figure");
        }
        return Optional.empty();
    }

    /** True for workloads that get a plot: networks with at least two measured batch sizes. */
    public static boolean plottable(Report report, String workload) {
        return batches(report, workload).size() >= 2;
    }

    /** The batch sizes measured for a network workload, ascending: the x axis's ticks, at positions 0, 1, 2, ... */
    static List<Integer> batches(Report report, String workload) {
        Set<Integer> batches = new TreeSet<>();
        for (HostRow h : report.hostRowsOf(workload)) if (h.measured() && h.verifier() != null) batches.add(h.batch());
        return List.copyOf(batches);
    }

    public static byte[] render(Report report, String workload) {
        // Drawing off-screen needs no display; set before AWT first loads, and only if the user has not chosen.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        try {
            return BitmapEncoder.getBitmapBytes(chart(report, workload), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding into memory failed: " + e.getMessage(), e);
        }
    }

    /** The chart {@link #render} draws. */
    static XYChart chart(Report report, String workload) {
        List<Integer> batches = batches(report, workload);
        XYChart chart = new XYChartBuilder().width(960).height(640).title(workload + ": median time against batch size (bars: min-max)")
                .xAxisTitle("batch size").yAxisTitle("seconds").build();
        XYStyler styler = chart.getStyler();
        styler.setYAxisLogarithmic(true);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        // Batch i sits at x = i: XChart puts ticks on evenly spaced x values, so there is one at each batch and no other.
        styler.setxAxisTickLabelsFormattingFunction(x -> label(batches, x));
        List<HostRow> hostRows = report.hostRowsOf(workload).stream().filter(HostRow::measured).toList();
        List<Row> rows = report.rowsOf(workload).stream().filter(r -> r.measured() && r.prover() != null).toList();
        Set<String> backends = new LinkedHashSet<>();
        for (Row r : rows) backends.add(r.backend());
        List<Line> lines = new ArrayList<>();
        lines.add(line("float inference (no backend)", SeriesMarkers.DIAMOND, true, batches, hostRows, HostRow::batch, HostRow::floatInference));
        for (String b : backends) {
            List<Row> mine = rows.stream().filter(r -> r.backend().equals(b)).toList();
            lines.add(line("field inference, " + b, SeriesMarkers.TRIANGLE_UP, false, batches, mine, Row::batch, Row::fieldInference));
            lines.add(line("prover, " + b, SeriesMarkers.CIRCLE, false, batches, mine, Row::batch, Row::prover));
            List<Row> prepared = mine.stream().filter(r -> r.preparedProver() != null).toList();
            lines.add(line("prepared prover, " + b, SeriesMarkers.CROSS, false, batches, prepared, Row::batch, Row::preparedProver));
        }
        lines.add(line("verifier (no backend)", SeriesMarkers.SQUARE, true, batches, hostRows, HostRow::batch, HostRow::verifier));
        int colour = 0;
        for (Line line : lines) {
            if (line.x().isEmpty()) continue;
            Color c = PALETTE.get(colour++ % PALETTE.size());
            XYSeries median = chart.addSeries(line.name(), line.x(), line.median());
            median.setMarker(line.marker());
            median.setMarkerColor(c);
            median.setLineColor(c);
            median.setLineStyle(line.dashed() ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
            for (int i = 0; i < line.x().size(); i++) {
                double x = line.x().get(i);
                XYSeries range = chart.addSeries(RANGE_PREFIX + line.name() + " at " + label(batches, x), List.of(x, x),
                        List.of(line.min().get(i), line.max().get(i)));
                range.setMarker(SeriesMarkers.NONE);
                range.setLineColor(c);
                range.setLineStyle(SeriesLines.SOLID);
                range.setShowInLegend(false);
            }
        }
        return chart;
    }

    /** One line of the plot: its points at batch positions, with each point's median, fastest and slowest run. */
    record Line(String name, Marker marker, boolean dashed, List<Double> x, List<Double> median, List<Double> min, List<Double> max) {
    }

    private static <R> Line line(String name, Marker marker, boolean dashed, List<Integer> batches, List<R> rows,
                                 Function<R, Integer> batch, Function<R, Timings> role) {
        List<Double> x = new ArrayList<>();
        List<Double> median = new ArrayList<>();
        List<Double> min = new ArrayList<>();
        List<Double> max = new ArrayList<>();
        // In batch order, so that the line runs left to right whatever order the batches were given in.
        for (R r : rows.stream().sorted(java.util.Comparator.comparing(batch)).toList()) {
            Timings t = role.apply(r);
            int position = batches.indexOf(batch.apply(r));
            if (t == null || position < 0) continue;
            x.add((double) position);
            median.add(t.median());
            min.add(t.min());
            max.add(t.max());
        }
        return new Line(name, marker, dashed, x, median, min, max);
    }

    /** The batch at position x, or nothing between positions. */
    static String label(List<Integer> batches, double x) {
        long i = Math.round(x);
        if (Math.abs(x - i) > 1e-6 || i < 0 || i >= batches.size()) return "";
        return Integer.toString(batches.get((int) i));
    }
}
