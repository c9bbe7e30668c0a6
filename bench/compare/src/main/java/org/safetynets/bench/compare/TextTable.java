package org.safetynets.bench.compare;

import java.util.ArrayList;
import java.util.List;

/** A plain aligned table: the first column left-aligned, the others right-aligned. */
public final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public TextTable(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    public void add(String... cells) {
        if (cells.length != columns) throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
        rows.add(cells);
    }

    public String render(String indent) {
        int[] width = new int[columns];
        for (String[] row : rows) for (int c = 0; c < columns; c++) width[c] = Math.max(width[c], row[c].length());
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                if (c > 0) line.append("  ");
                line.append(c == 0 ? String.format("%-" + width[c] + "s", row[c]) : String.format("%" + width[c] + "s", row[c]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                int total = indent.length();
                for (int c = 0; c < columns; c++) total += width[c] + (c > 0 ? 2 : 0);
                out.append(indent).append("-".repeat(total - indent.length())).append('\n');
            }
        }
        return out.toString();
    }

    /** Seconds with three significant figures, in the unit that reads best. */
    public static String seconds(double s) {
        if (s < 1e-3) return String.format("%.1f us", s * 1e6);
        if (s < 1) return String.format("%.2f ms", s * 1e3);
        return String.format("%.3f s", s);
    }

    /** e.g. 2.44e9 -> "2.44 G". */
    public static String rate(double perSecond) {
        if (perSecond >= 1e9) return String.format("%.3f G", perSecond / 1e9);
        if (perSecond >= 1e6) return String.format("%.2f M", perSecond / 1e6);
        return String.format("%.0f", perSecond);
    }
}
