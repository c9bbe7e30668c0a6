package org.safetynets.bench.compare;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One CSV table with two kinds of rows. A row with an empty {@code backend} holds the figures of a (workload, batch)
 * that no backend takes part in: float inference, the verifier, the proof size. A row per (workload, backend, batch)
 * holds that backend's figures: field inference, the prover, their ratios, memory. Each figure is thus in exactly
 * one row, and a row's cells for the other kind are empty. Times in seconds, full precision; other empty cells are
 * figures that do not apply (a matrix product's prover) or were not measured (a skipped batch: {@code note} says
 * why). Host rows come first within each workload, as in the terminal table.
 */
public final class ReportCsv {
    public static final List<String> COLUMNS = List.of("workload", "backend", "batch", "runs",
            "float_median_s", "float_min_s", "float_max_s",
            "verifier_median_s", "verifier_min_s", "verifier_max_s",
            "prepared_verifier_median_s", "prepared_verifier_min_s", "prepared_verifier_max_s",
            "float_over_verifier", "proof_bytes",
            "field_median_s", "field_min_s", "field_max_s",
            "prover_median_s", "prover_min_s", "prover_max_s",
            "prepared_prover_median_s", "prepared_prover_min_s", "prepared_prover_max_s", "prepared_prover_over_field",
            "prover_over_field", "prover_over_float", "field_over_float", "field_over_verifier", "field_over_prepared_verifier",
            "heap_baseline_bytes", "peak_heap_bytes", "device_peak_bytes", "peak_resident_bytes", "peak_resident_bytes_per_sample",
            "field_macs_per_s",
            "backend_description", "note");

    private ReportCsv() {
    }

    public static byte[] render(Report report) {
        StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        Integer runs = report.options().runs();
        for (String workload : report.workloads()) {
            for (HostRow h : report.hostRowsOf(workload)) {
                line(out, h.workload(), "", h.batch(), h.measured() ? runs : null,
                        median(h.floatInference()), min(h.floatInference()), max(h.floatInference()),
                        median(h.verifier()), min(h.verifier()), max(h.verifier()),
                        median(h.preparedVerifier()), min(h.preparedVerifier()), max(h.preparedVerifier()),
                        h.floatOverVerifier(), count(h.proofBytes()),
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        "", h.note());
            }
            for (Row r : report.rowsOf(workload)) {
                line(out, r.workload(), r.backend(), r.batch(), r.measured() ? runs : null,
                        null, null, null, null, null, null, null, null, null, null, null,
                        median(r.fieldInference()), min(r.fieldInference()), max(r.fieldInference()),
                        median(r.prover()), min(r.prover()), max(r.prover()),
                        median(r.preparedProver()), min(r.preparedProver()), max(r.preparedProver()), r.preparedProverOverField(),
                        r.proverOverField(), r.proverOverFloat(), r.fieldOverFloat(), r.fieldOverVerifier(), r.fieldOverPreparedVerifier(),
                        count(r.heapBaselineBytes()), count(r.peakHeapBytes()), count(r.devicePeakBytes()),
                        count(r.peakResidentBytes()), r.peakResidentBytesPerSample(),
                        r.fieldMacsPerSecond(), r.backendDescription(), r.note());
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder out, Object... cells) {
        if (cells.length != COLUMNS.size()) throw new IllegalStateException(cells.length + " cells for " + COLUMNS.size() + " columns");
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) out.append(',');
            out.append(cell(cells[i]));
        }
        out.append('\n');
    }

    private static String cell(Object value) {
        if (value == null) return "";
        if (value instanceof Double d) return d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d);
        String text = value.toString();
        // RFC 4180: quote a cell holding a separator, a quote or a line break; double its quotes
        if (text.contains(",") || text.contains("\"") || text.contains("\n")) return "\"" + text.replace("\"", "\"\"") + "\"";
        return text;
    }

    private static Double median(Timings t) {
        return t == null ? null : t.median();
    }

    private static Double min(Timings t) {
        return t == null ? null : t.min();
    }

    private static Double max(Timings t) {
        return t == null ? null : t.max();
    }

    private static Long count(long bytes) {
        return bytes < 0 ? null : bytes;
    }
}
