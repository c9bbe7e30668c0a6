package org.safetynets.bench.compare;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One CSV row per (workload, backend, batch). Times in seconds, full precision; empty cells are figures that
 * do not apply (a matrix product's prover) or were not measured (a skipped batch: {@code note} says why).
 */
public final class ReportCsv {
    public static final List<String> COLUMNS = List.of("workload", "backend", "batch", "runs",
            "float_median_s", "float_min_s", "float_max_s",
            "field_median_s", "field_min_s", "field_max_s",
            "prover_median_s", "prover_min_s", "prover_max_s",
            "verifier_median_s", "verifier_min_s", "verifier_max_s",
            "prover_over_field", "prover_over_float", "field_over_float", "float_over_verifier", "field_over_verifier",
            "proof_bytes", "heap_baseline_bytes", "peak_heap_bytes", "device_peak_bytes", "field_macs_per_s",
            "backend_description", "note");

    private ReportCsv() {
    }

    public static byte[] render(Report report) {
        StringBuilder out = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (Row r : report.rows()) {
            Object[] cells = {r.workload(), r.backend(), r.batch(), r.measured() ? report.options().runs() : null,
                    median(r.floatInference()), min(r.floatInference()), max(r.floatInference()),
                    median(r.fieldInference()), min(r.fieldInference()), max(r.fieldInference()),
                    median(r.prover()), min(r.prover()), max(r.prover()),
                    median(r.verifier()), min(r.verifier()), max(r.verifier()),
                    r.proverOverField(), r.proverOverFloat(), r.fieldOverFloat(), r.floatOverVerifier(), r.fieldOverVerifier(),
                    count(r.proofBytes()), count(r.heapBaselineBytes()), count(r.peakHeapBytes()), count(r.devicePeakBytes()),
                    r.fieldMacsPerSecond(), r.backendDescription(), r.note()};
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) out.append(',');
                out.append(cell(cells[i]));
            }
            out.append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
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
