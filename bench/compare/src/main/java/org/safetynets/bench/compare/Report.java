package org.safetynets.bench.compare;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A comparison's results: where it ran, what it ran, one host row per (workload, batch) with the figures no backend
 * takes part in, and one row per (workload, backend, batch).
 */
public record Report(Environment environment, CompareOptions options, List<HostRow> hostRows, List<Row> rows) {
    public Report {
        hostRows = List.copyOf(hostRows);
        rows = List.copyOf(rows);
    }

    /** The machine and JVM, so that a reader can tell which numbers are comparable. */
    public record Environment(String started, String java, String vm, String os, int processors, long maxHeapBytes, List<String> jvmArguments) {
        static Environment current() {
            return new Environment(Instant.now().toString(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                    System.getProperty("os.name") + " " + System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory(), ManagementFactory.getRuntimeMXBean().getInputArguments());
        }
    }

    /** Workload names in report order. */
    public List<String> workloads() {
        Set<String> names = new LinkedHashSet<>();
        for (Row r : rows) names.add(r.workload());
        return new ArrayList<>(names);
    }

    public List<Row> rowsOf(String workload) {
        return rows.stream().filter(r -> r.workload().equals(workload)).toList();
    }

    public List<HostRow> hostRowsOf(String workload) {
        return hostRows.stream().filter(r -> r.workload().equals(workload)).toList();
    }
}
