package org.safetynets.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CoreBenchmark's figures as CSV, one row per table row. {@code ratio} is read with {@code ratio_of}:
 * "c_per_core" (Java MAC/s per core over C's), "prover/inference" or "inference/verifier". Empty cells are
 * figures that do not apply to the row.
 */
final class CsvReport {
    static final String HEADER = "section,name,threads,shape,median_s,min_s,max_s,macs_per_s,macs_per_s_per_core,ratio,ratio_of,proof_bytes";

    private final List<String> lines = new ArrayList<>();

    CsvReport() {
        lines.add(HEADER);
    }

    /** Cells in {@link #HEADER}'s order: Strings as given, Doubles in full precision, null as empty. */
    void add(Object... cells) {
        if (cells.length != HEADER.split(",").length) throw new IllegalArgumentException("wrong number of CSV cells");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) line.append(',');
            Object cell = cells[i];
            if (cell instanceof Double d) line.append(d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d));
            else if (cell != null) line.append(cell);
        }
        lines.add(line.toString());
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    void write(Path file) throws IOException {
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
