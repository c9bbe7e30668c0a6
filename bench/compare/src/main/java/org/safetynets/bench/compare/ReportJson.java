package org.safetynets.bench.compare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The whole report as JSON: {@code environment}, {@code options}, {@code host_rows} (one per workload and batch:
 * the figures no backend takes part in, float inference, the verifier and the proof size) and {@code rows} (one
 * per workload, backend and batch: field inference, the prover, their ratios, memory), each with the CSV's
 * figures and every run's seconds ({@code *_runs_s}) so that other statistics can be computed later. Figures that
 * do not apply are null.
 */
public final class ReportJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    public static byte[] render(Report report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", "safetynets-bench-compare/2");
        Report.Environment env = report.environment();
        ObjectNode environment = root.putObject("environment");
        environment.put("started", env.started());
        environment.put("java", env.java());
        environment.put("vm", env.vm());
        environment.put("os", env.os());
        environment.put("processors", env.processors());
        environment.put("max_heap_bytes", env.maxHeapBytes());
        ArrayNode jvm = environment.putArray("jvm_arguments");
        env.jvmArguments().forEach(jvm::add);
        ObjectNode options = root.putObject("options");
        ArrayNode batches = options.putArray("batches");
        report.options().batches().forEach(batches::add);
        options.put("runs", report.options().runs());
        options.put("warmup", report.options().warmup());
        options.put("warmup_seconds", report.options().warmupSeconds());
        options.put("threads", report.options().threads());
        ArrayNode workloads = options.putArray("workloads");
        for (Workload w : report.options().workloads()) workloads.addObject().put("name", w.name()).put("description", w.description());
        ArrayNode hostRows = root.putArray("host_rows");
        for (HostRow h : report.hostRows()) {
            ObjectNode row = hostRows.addObject();
            row.put("workload", h.workload());
            row.put("batch", h.batch());
            timings(row, "float", h.floatInference());
            timings(row, "verifier", h.verifier());
            timings(row, "prepared_verifier", h.preparedVerifier());
            number(row, "float_over_verifier", h.floatOverVerifier());
            count(row, "proof_bytes", h.proofBytes());
            row.put("note", h.note());
        }
        ArrayNode rows = root.putArray("rows");
        for (Row r : report.rows()) {
            ObjectNode row = rows.addObject();
            row.put("workload", r.workload());
            row.put("backend", r.backend());
            row.put("backend_description", r.backendDescription());
            row.put("batch", r.batch());
            timings(row, "field", r.fieldInference());
            timings(row, "prover", r.prover());
            timings(row, "prepared_prover", r.preparedProver());
            number(row, "prepared_prover_over_field", r.preparedProverOverField());
            number(row, "prover_over_field", r.proverOverField());
            number(row, "prover_over_float", r.proverOverFloat());
            number(row, "field_over_float", r.fieldOverFloat());
            number(row, "field_over_verifier", r.fieldOverVerifier());
            number(row, "field_over_prepared_verifier", r.fieldOverPreparedVerifier());
            count(row, "heap_baseline_bytes", r.heapBaselineBytes());
            count(row, "peak_heap_bytes", r.peakHeapBytes());
            count(row, "device_peak_bytes", r.devicePeakBytes());
            count(row, "peak_resident_bytes", r.peakResidentBytes());
            number(row, "peak_resident_bytes_per_sample", r.peakResidentBytesPerSample());
            number(row, "field_macs_per_s", r.fieldMacsPerSecond());
            row.put("note", r.note());
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serialises", e);
        }
    }

    private static void timings(ObjectNode row, String role, Timings t) {
        if (t == null) {
            row.putNull(role + "_median_s");
            row.putNull(role + "_min_s");
            row.putNull(role + "_max_s");
            row.putNull(role + "_runs_s");
            return;
        }
        row.put(role + "_median_s", t.median());
        row.put(role + "_min_s", t.min());
        row.put(role + "_max_s", t.max());
        ArrayNode runs = row.putArray(role + "_runs_s");
        for (double s : t.seconds()) runs.add(s);
    }

    private static void number(ObjectNode row, String name, double value) {
        if (Double.isNaN(value)) row.putNull(name);
        else row.put(name, value);
    }

    private static void count(ObjectNode row, String name, long value) {
        if (value < 0) row.putNull(name);
        else row.put(name, value);
    }
}
