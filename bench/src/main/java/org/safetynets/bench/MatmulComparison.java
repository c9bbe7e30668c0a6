package org.safetynets.bench;

import org.safetynets.bench.compare.TextTable;
import org.safetynets.bench.compare.Timings;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Part (a) of CoreBenchmark: field matrix-product throughput of the C reference (one core) and of a Java backend
 * with one thread and with all cores, on the same operands, whose results must have the same checksum.
 */
final class MatmulComparison {
    /** One implementation's figures; {@code timings} is null for the C row (it reports only its best run). */
    record Row(String implementation, int threads, Timings timings, double seconds, double macsPerSecond, long checksum) {
        double macsPerSecondPerCore() {
            return macsPerSecond / threads;
        }
    }

    private final MatmulShape shape;
    private final FieldFill.Operands operands;

    MatmulComparison(MatmulShape shape) {
        this.shape = shape;
        this.operands = FieldFill.Operands.standard(shape);
    }

    MatmulShape shape() {
        return shape;
    }

    static Row cRow(CReference reference, MatmulShape shape, int repetitions) {
        CReference.Result result = reference.run(shape, repetitions);
        return new Row("C int128 (gcc)", 1, null, result.seconds(), result.macsPerSecond(), result.checksum());
    }

    /**
     * Times {@code backend.matmul} on operands already uploaded (resident, as they are during inference), the
     * product closed after each run; the checksum is of the last run's product. Seconds are the median.
     */
    Row javaRow(String backendName, int threads, WarmUp.Rule warmUp, int runs) {
        try (Backend backend = Backends.open(backendName, threads, message -> { });
             DeviceTensor a = backend.upload(operands.a());
             DeviceTensor b = backend.upload(operands.b())) {
            Timings timings = Timings.measure(warmUp, runs, backend, () -> {
                try (DeviceTensor c = backend.matmul(a, b, shape.m(), shape.k(), shape.n())) {
                    // closed at once: only the product itself is timed
                }
            });
            long checksum;
            try (DeviceTensor c = backend.matmul(a, b, shape.m(), shape.k(), shape.n())) {
                checksum = FieldFill.checksum(backend.download(c));
            }
            double seconds = timings.median();
            return new Row("Java " + backendName, threads, timings, seconds, shape.macs() / seconds, checksum);
        }
    }

    /** Rows in order, the C row (if any) first; the ratio column is each row's MAC/s per core over C's. */
    static String render(List<Row> rows, Row cRow) {
        TextTable table = new TextTable("implementation", "threads", "seconds", "min", "MAC/s total", "MAC/s per core", "per core / C");
        for (Row row : rows) {
            table.add(row.implementation(), Integer.toString(row.threads()),
                    TextTable.seconds(row.seconds()) + (row.timings() == null ? " (best)" : " (median)"),
                    row.timings() == null ? TextTable.seconds(row.seconds()) : TextTable.seconds(row.timings().min()),
                    TextTable.rate(row.macsPerSecond()), TextTable.rate(row.macsPerSecondPerCore()),
                    cRow == null ? "n/a" : String.format("%.3fx", row.macsPerSecondPerCore() / cRow.macsPerSecondPerCore()));
        }
        return table.render("  ");
    }

    static void addCsv(CsvReport csv, MatmulShape shape, List<Row> rows, Row cRow) {
        for (Row row : rows) {
            Timings t = row.timings();
            csv.add("matmul", row.implementation(), row.threads(), shape.toString(), row.seconds(),
                    t == null ? row.seconds() : t.min(), t == null ? Double.NaN : t.max(), row.macsPerSecond(),
                    row.macsPerSecondPerCore(), cRow == null ? Double.NaN : row.macsPerSecondPerCore() / cRow.macsPerSecondPerCore(),
                    cRow == null ? null : "c_per_core", null);
        }
    }

    static List<Row> list(Row cRow, List<Row> javaRows) {
        List<Row> rows = new ArrayList<>();
        if (cRow != null) rows.add(cRow);
        rows.addAll(javaRows);
        return rows;
    }
}
