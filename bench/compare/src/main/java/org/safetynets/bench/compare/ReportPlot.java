package org.safetynets.bench.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PNG per network workload: median time against batch size, log-log, one line per backend and role (float
 * inference, field inference, prover, verifier). Float inference and the verifier use no backend, so they are
 * drawn once (from the first backend's rows); their per-backend medians differ only by noise.
 */
public final class ReportPlot {
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
        return report.rowsOf(workload).stream().filter(r -> r.measured() && r.prover() != null).map(Row::batch).distinct().count() >= 2;
    }

    public static byte[] render(Report report, String workload) {
        // Drawing off-screen needs no display; set before AWT first loads, and only if the user has not chosen.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(960).height(640).title(workload + ": median time against batch size")
                .xAxisTitle("batch size").yAxisTitle("seconds").build();
        Styler styler = chart.getStyler();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        List<Row> rows = report.rowsOf(workload).stream().filter(r -> r.measured() && r.prover() != null).toList();
        Set<String> backends = new LinkedHashSet<>();
        for (Row r : rows) backends.add(r.backend());
        String first = backends.iterator().next();
        Map<String, List<Row>> byBackend = new LinkedHashMap<>();
        for (String b : backends) byBackend.put(b, rows.stream().filter(r -> r.backend().equals(b)).toList());
        series(chart, "float inference (no backend)", byBackend.get(first), Row::floatInference);
        for (String b : backends) {
            series(chart, "field inference, " + b, byBackend.get(b), Row::fieldInference);
            series(chart, "prover, " + b, byBackend.get(b), Row::prover);
        }
        series(chart, "verifier (no backend)", byBackend.get(first), Row::verifier);
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding into memory failed: " + e.getMessage(), e);
        }
    }

    private static void series(XYChart chart, String name, List<Row> rows, java.util.function.Function<Row, Timings> role) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Row r : rows) {
            Timings t = role.apply(r);
            if (t == null) continue;
            x.add((double) r.batch());
            y.add(t.median());
        }
        if (x.isEmpty()) return;
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
