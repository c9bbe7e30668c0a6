package org.safetynets.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;
import org.safetynets.bench.compare.ReportCsv;
import org.safetynets.model.Dense;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.model.Square;
import org.safetynets.tensor.Shape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench compare} end to end, in-process, on a tiny model and a tiny matrix product. */
class BenchCompareTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void writesATableCsvJsonAndAPlotWithARowPerBackendAndBatch(@TempDir Path work) throws IOException {
        Model tiny = new Model("tiny-mlp", Shape.vector(5), 0, 3, 1, List.of(
                new Dense(4, 5, new long[] {1, -1, 0, 2, 1, 0, 1, 1, -1, 0, 2, -2, 0, 1, 1, 1, 0, 1, 1, 0}, new long[] {1, 0, -1, 2}, 1),
                new Square(),
                new Dense(2, 4, new long[] {1, 2, -1, 0, 0, 1, 1, 1}, new long[] {0, 1}, 1)));
        Path model = Files.write(work.resolve("tiny.snm"), ModelCodec.encode(tiny));
        Path out = work.resolve("results");

        Cli run = Cli.run("bench", "compare", "-M", model.toString(), "--workloads", "matmul", "--matrix-size", "8",
                "--batches", "1,2", "--runs", "1", "--warmup", "0", "--warmup-time", "0", "--out", out.toString());

        assertEquals(Main.OK, run.exitCode(), run::transcript);
        List<String> backends = Backends.providers().stream().filter(p -> p.unavailableReason() == null).map(BackendProvider::name).toList();
        assertFalse(backends.isEmpty());
        for (String backend : backends) assertTrue(run.out().contains(backend), run::transcript);
        assertTrue(run.out().contains("prover/field") && run.out().contains("field MAC/s"), run::transcript);
        assertTrue(run.err().contains("tiny-mlp batch 2"), "progress goes to stderr\n" + run.transcript());

        List<String> lines = Files.readAllLines(out.resolve("compare.csv"), StandardCharsets.UTF_8);
        assertEquals(String.join(",", ReportCsv.COLUMNS), lines.get(0));
        List<Map<String, String>> rows = lines.subList(1, lines.size()).stream().map(BenchCompareTest::parse).toList();
        // Per (workload, batch), one row without a backend (float inference, verifier, proof: they use none), then one
        // per backend; the product is listed first.
        assertEquals(3 * (1 + backends.size()), rows.size(), lines::toString);
        for (String batch : new String[] {"1", "2"}) {
            List<Map<String, String>> host = rows.stream().filter(r -> r.get("workload").equals("tiny-mlp") && r.get("backend").isEmpty()
                    && r.get("batch").equals(batch)).toList();
            assertEquals(1, host.size(), lines::toString);
            for (String column : List.of("float_median_s", "verifier_median_s", "prepared_verifier_median_s", "float_over_verifier", "proof_bytes")) {
                assertFalse(host.get(0).get(column).isEmpty(), column + " is empty in " + host);
            }
            for (String column : List.of("field_median_s", "prover_median_s")) assertEquals("", host.get(0).get(column), column);
        }
        for (String backend : backends) {
            for (String batch : new String[] {"1", "2"}) {
                Map<String, String> row = rows.stream().filter(r -> r.get("workload").equals("tiny-mlp") && r.get("backend").equals(backend)
                        && r.get("batch").equals(batch)).findFirst().orElseThrow(() -> new AssertionError(backend + " batch " + batch + ": " + lines));
                for (String column : List.of("field_median_s", "prover_median_s", "prepared_prover_median_s", "prepared_prover_over_field",
                        "prover_over_field", "prover_over_float",
                        "field_over_verifier", "field_over_prepared_verifier", "peak_heap_bytes")) {
                    assertFalse(row.get(column).isEmpty(), column + " is empty in " + row);
                }
                for (String column : List.of("float_median_s", "verifier_median_s", "prepared_verifier_median_s", "proof_bytes")) {
                    assertEquals("", row.get(column), column + " is reported once, in the row without a backend: " + row);
                }
                assertTrue(Double.parseDouble(row.get("prover_median_s")) > 0, row::toString);
            }
            Map<String, String> product = rows.stream().filter(r -> r.get("workload").equals("matmul") && r.get("backend").equals(backend))
                    .findFirst().orElseThrow();
            assertEquals("8", product.get("batch"));
            assertEquals("", product.get("prover_median_s"), "a bare product has no prover figure");
            assertTrue(Double.parseDouble(product.get("field_macs_per_s")) > 0, product::toString);
        }

        JsonNode json = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertEquals(3, json.get("host_rows").size());
        assertEquals(3 * backends.size(), json.get("rows").size());
        assertEquals(List.of(1, 2), toList(json.get("options").get("batches")));
        JsonNode modelRow = json.get("rows").get(backends.size()); // after the product's row per backend
        assertEquals("tiny-mlp", modelRow.get("workload").asText(), json::toString);
        assertTrue(modelRow.get("prover_runs_s").isArray(), json::toString);
        assertTrue(modelRow.path("verifier_runs_s").isMissingNode(), "the verifier is a host figure: " + modelRow);
        assertTrue(json.get("host_rows").get(1).get("verifier_runs_s").isArray(), json::toString);

        byte[] png = Files.readAllBytes(out.resolve("plot-tiny-mlp.png"));
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length));
        assertFalse(Files.exists(out.resolve("plot-matmul.png")), "the product has no batch axis to plot");
        try (var files = Files.list(out)) {
            assertEquals(3, files.count(), "no temporary files are left behind");
        }
    }

    @Test
    void theShippedTrainedModelIsAWorkloadByName(@TempDir Path work) throws Exception {
        Cli run = Cli.run("bench", "compare", "--workloads", CompareCommand.TRAINED_MNIST_CNN, "--backends", "cpu", "--batches", "2",
                "--runs", "1", "--warmup", "0", "--warmup-time", "0", "--no-plot", "--out", work.toString());
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        List<String> lines = Files.readAllLines(work.resolve("compare.csv"), StandardCharsets.UTF_8);
        assertEquals(3, lines.size(), lines::toString);
        Map<String, String> row = parse(lines.get(2));
        assertEquals(CompareCommand.TRAINED_MNIST_CNN, row.get("workload"));
        assertTrue(Double.parseDouble(row.get("prover_median_s")) > 0, row::toString);
    }

    @Test
    void anUnknownWorkloadOrBackendIsOneLineAndExitTwo(@TempDir Path work) {
        Cli workload = Cli.run("bench", "compare", "--workloads", "no-such-net", "--out", work.toString());
        assertEquals(Main.ERROR, workload.exitCode(), workload::transcript);
        assertTrue(workload.err().startsWith("error: --workloads: unknown workload 'no-such-net'"), workload::transcript);
        assertEquals(1, workload.err().lines().count(), workload::transcript);

        Cli backend = Cli.run("bench", "compare", "--backends", "no-such-backend", "--workloads", "matmul", "--matrix-size", "4",
                "--out", work.toString());
        assertEquals(Main.ERROR, backend.exitCode(), backend::transcript);
        assertTrue(backend.err().startsWith("error: unknown backend 'no-such-backend'; available: "), backend::transcript);
        assertEquals(1, backend.err().lines().count(), backend::transcript);
    }

    private static List<Integer> toList(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(i -> array.get(i).asInt()).toList();
    }

    /** A CSV line into column -> cell (the test's cells hold no quotes except the description, which may hold commas). */
    private static Map<String, String> parse(String line) {
        List<String> cells = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        assertEquals(ReportCsv.COLUMNS.size(), cells.size(), line);
        return IntStream.range(0, cells.size()).boxed().collect(Collectors.toMap(ReportCsv.COLUMNS::get, cells::get));
    }
}
