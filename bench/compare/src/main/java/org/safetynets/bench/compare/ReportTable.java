package org.safetynets.bench.compare;

import java.util.List;

/**
 * The terminal view, per workload: one table of what no backend takes part in (float inference, the verifier, the
 * proof), one of each backend's times (median, with min and max beside it), and one of ratios and memory. "n/a"
 * marks a figure that does not apply, "-" one not measured.
 */
public final class ReportTable {
    private ReportTable() {
    }

    public static String render(Report report) {
        StringBuilder out = new StringBuilder();
        Report.Environment env = report.environment();
        out.append(String.format("bench compare: Java %s (%s), %s, %d processors, max heap %s; medians of %d runs after a warm-up of at least %d runs and %.1f s%n",
                env.java(), env.vm(), env.os(), env.processors(), MemoryEstimate.mib(env.maxHeapBytes()), report.options().runs(),
                report.options().warmup(), report.options().warmupSeconds()));
        for (String workload : report.workloads()) {
            List<Row> rows = report.rowsOf(workload);
            List<HostRow> hostRows = report.hostRowsOf(workload);
            out.append('\n').append(workload).append(descriptionOf(report, workload)).append('\n');
            boolean product = rows.stream().anyMatch(r -> r.macs() > 0);
            String batch = product ? "size" : "batch";
            // No backend takes part in these: one row per batch, whatever the number of backends.
            TextTable host = product
                    ? new TextTable(batch, "float (double) [min-max]")
                    : new TextTable(batch, "float infer [min-max]", "verifier [min-max]", "prepared verifier [min-max]", "float/verifier",
                            "proof");
            for (HostRow h : hostRows) {
                if (!h.measured()) {
                    if (product) host.add(Integer.toString(h.batch()), h.note());
                    else host.add(Integer.toString(h.batch()), h.note(), "", "", "", "");
                } else if (product) {
                    host.add(Integer.toString(h.batch()), time(h.floatInference()));
                } else {
                    host.add(Integer.toString(h.batch()), time(h.floatInference()), time(h.verifier()), time(h.preparedVerifier()),
                            ratio(h.floatOverVerifier()), bytes(h.proofBytes()));
                }
            }
            out.append("  on the host, no backend (one thread):\n").append(host.render("  "));
            TextTable times = product
                    ? new TextTable("backend", batch, "field matmul [min-max]")
                    : new TextTable("backend", batch, "field infer [min-max]", "prover [min-max]", "prepared prover [min-max]");
            for (Row r : rows) {
                if (!r.measured()) continue; // its host row says why
                if (product) times.add(r.backend(), Integer.toString(r.batch()), time(r.fieldInference()));
                else times.add(r.backend(), Integer.toString(r.batch()), time(r.fieldInference()), time(r.prover()), time(r.preparedProver()));
            }
            out.append('\n').append(times.render("  "));
            TextTable figures = product
                    ? new TextTable("backend", "size", "field MAC/s", "field/float", "peak heap", "device peak")
                    : new TextTable("backend", "batch", "prover/field", "prepared/field", "prover/float", "field/verifier", "field/prepared", "peak resident",
                            "per sample", "peak heap", "device peak");
            for (Row r : rows) {
                if (!r.measured()) continue;
                if (product) {
                    figures.add(r.backend(), Integer.toString(r.batch()), TextTable.rate(r.fieldMacsPerSecond()), ratio(r.fieldOverFloat()),
                            bytes(r.peakHeapBytes()), device(r.devicePeakBytes()));
                } else {
                    figures.add(r.backend(), Integer.toString(r.batch()), ratio(r.proverOverField()), ratio(r.preparedProverOverField()),
                            ratio(r.proverOverFloat()),
                            ratio(r.fieldOverVerifier()), ratio(r.fieldOverPreparedVerifier()), bytes(r.peakResidentBytes()),
                            perSample(r.peakResidentBytesPerSample()),
                            bytes(r.peakHeapBytes()), device(r.devicePeakBytes()));
                }
            }
            out.append('\n').append(figures.render("  "));
            if (product) out.append("  prover, verifier, proof: n/a (a bare product has no proof)\n");
        }
        return out.toString();
    }

    private static String descriptionOf(Report report, String workload) {
        return report.options().workloads().stream().filter(w -> w.name().equals(workload)).findFirst()
                .map(w -> ": " + w.description()).orElse("");
    }

    static String time(Timings t) {
        if (t == null) return "n/a";
        return TextTable.seconds(t.median()) + " [" + TextTable.seconds(t.min()) + "-" + TextTable.seconds(t.max()) + "]";
    }

    static String ratio(double r) {
        if (Double.isNaN(r)) return "n/a";
        return r >= 100 ? String.format("%.0fx", r) : r >= 10 ? String.format("%.1fx", r) : String.format("%.2fx", r);
    }

    static String bytes(long b) {
        if (b < 0) return "-";
        if (b < 1024 * 1024) return String.format("%.1f KiB", b / 1024.0);
        return String.format("%.1f MiB", b / (1024.0 * 1024.0));
    }

    private static String perSample(double b) {
        return Double.isNaN(b) ? "-" : bytes(Math.round(b));
    }

    private static String device(long b) {
        return b < 0 ? "n/a" : bytes(b);
    }
}
