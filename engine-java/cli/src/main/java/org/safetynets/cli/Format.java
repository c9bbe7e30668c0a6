package org.safetynets.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Numbers and tables for people: durations, sizes, ratios, aligned columns. */
final class Format {
    private Format() {
    }

    static String duration(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 1) return String.format(Locale.ROOT, "%.3f ms", ms);
        if (ms < 1000) return String.format(Locale.ROOT, "%.1f ms", ms);
        return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    static String bytes(long n) {
        String exact = String.format(Locale.ROOT, "%,d bytes", n);
        if (n < 1024) return exact;
        if (n < 1024 * 1024) return exact + String.format(Locale.ROOT, " (%.1f KiB)", n / 1024.0);
        return exact + String.format(Locale.ROOT, " (%.1f MiB)", n / (1024.0 * 1024));
    }

    static String ratio(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0fx" : "%.1fx", value);
    }

    /** A scale factor: exact while it is a modest integer, else in scientific notation. */
    static String scale(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) return String.format(Locale.ROOT, "%,d", (long) value);
        return String.format(Locale.ROOT, "%.6g", value);
    }

    /** An exact integer scale: in full below 10^15, else its leading digits and power of ten (never "Infinity"). */
    static String scale(java.math.BigInteger value) {
        if (value.bitLength() < 50) return String.format(Locale.ROOT, "%,d", value.longValueExact());
        return String.format(Locale.ROOT, "%.6e", new java.math.BigDecimal(value));
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) text.append(String.format(Locale.ROOT, "%02x", b & 0xFF));
        return text.toString();
    }

    /** Up to {@code limit} values of a row, then an ellipsis with the count left out. */
    static String row(long[] values, int limit) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < Math.min(limit, values.length); i++) text.append(i > 0 ? ", " : "").append(values[i]);
        if (values.length > limit) text.append(", ... (").append(values.length - limit).append(" more)");
        return text.append(']').toString();
    }

    /** Aligned text columns (left unless marked right-aligned), two spaces apart; trailing spaces trimmed. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final boolean[] rightAligned;

        Table(boolean... rightAligned) {
            this.rightAligned = rightAligned;
        }

        Table row(String... cells) {
            rows.add(cells);
            return this;
        }

        List<String> lines(String indent) {
            int columns = 0;
            for (String[] row : rows) columns = Math.max(columns, row.length);
            int[] widths = new int[columns];
            for (String[] row : rows) for (int c = 0; c < row.length; c++) widths[c] = Math.max(widths[c], row[c].length());
            List<String> lines = new ArrayList<>();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder(indent);
                for (int c = 0; c < row.length; c++) {
                    if (c > 0) line.append("  ");
                    String pad = " ".repeat(widths[c] - row[c].length());
                    boolean right = c < rightAligned.length && rightAligned[c];
                    line.append(right ? pad + row[c] : row[c] + pad);
                }
                lines.add(line.toString().stripTrailing());
            }
            return lines;
        }
    }
}
