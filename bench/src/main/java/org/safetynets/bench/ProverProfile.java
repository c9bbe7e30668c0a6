package org.safetynets.bench;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.bench.compare.TextTable;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.model.Model;
import org.safetynets.proof.Prover;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Part (d) of CoreBenchmark, {@code --only profile}: where the prover of the demo CNN (or a {@code --model} file)
 * spends its time, by backend operation and by phase (the forward pass, then the proof). Every {@link Backend} call is timed through a
 * proxy, so the figures are wall time inside the backend; the rest of the prover (transcript hashing, the
 * verifier-side arithmetic the prover repeats, small tables built in Java) is the "outside the backend" row.
 */
final class ProverProfile {
    /** Time and calls of one (phase, operation), summed over the timed runs. */
    private static final class Entry {
        long nanos;
        long calls;
    }

    record Row(String phase, String operation, double secondsPerProof, double callsPerProof) {
    }

    record Result(String backend, int batch, int runs, double proverSeconds, List<Row> rows) {
    }

    private ProverProfile() {
    }

    static Result measure(BenchNetwork network, String backendName, int threads, int batch, WarmUp.Rule warmUp, int runs) {
        Model model = network.model();
        long[][] samples = network.inputs().apply(batch);
        Map<String, Entry> entries = new LinkedHashMap<>();
        boolean[] recording = {false};
        String[] phase = {"forward pass"};
        try (Backend real = Backends.open(backendName, threads, message -> { })) {
            Backend timed = timing(Backend.class, real, "", real, entries, phase, recording);
            for (WarmUp w = new WarmUp(warmUp); w.warming(); w.ranOne()) {
                phase[0] = "forward pass";
                Prover.prove(model, samples, timed, (what, done, total) -> phase[0] = "proof");
                real.synchronize();
            }
            recording[0] = true;
            long proverNanos = 0;
            for (int run = 0; run < runs; run++) {
                phase[0] = "forward pass";
                long start = System.nanoTime();
                Prover.prove(model, samples, timed, (what, done, total) -> phase[0] = "proof");
                real.synchronize();
                proverNanos += System.nanoTime() - start;
            }
            List<Row> rows = new ArrayList<>();
            long inside = 0;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                String[] key = e.getKey().split("\t");
                rows.add(new Row(key[0], key[1], e.getValue().nanos * 1e-9 / runs, (double) e.getValue().calls / runs));
                inside += e.getValue().nanos;
            }
            rows.sort((a, b) -> a.phase().equals(b.phase()) ? Double.compare(b.secondsPerProof(), a.secondsPerProof())
                    : a.phase().equals("forward pass") ? -1 : 1);
            rows.add(new Row("both", "(outside the backend)", (proverNanos - inside) * 1e-9 / runs, 0));
            return new Result(real.description(), batch, runs, proverNanos * 1e-9 / runs, rows);
        }
    }

    static String render(Result r) {
        TextTable table = new TextTable("phase", "operation", "per proof", "share", "calls");
        for (Row row : r.rows()) {
            table.add(row.phase(), row.operation(), TextTable.seconds(row.secondsPerProof()),
                    String.format("%.1f%%", 100 * row.secondsPerProof() / r.proverSeconds()),
                    row.callsPerProof() == 0 ? "" : String.format("%.0f", row.callsPerProof()));
        }
        return table.render("  ") + String.format("%n  prover total: %s per proof (mean of %d)%n",
                TextTable.seconds(r.proverSeconds()), r.runs());
    }

    /**
     * {@code target} behind a proxy that times every call (the backend's, and those of the round oracles it hands
     * out, named "squareRounds.roundPolynomial" and so on), synchronising the backend before each clock stops.
     */
    @SuppressWarnings("unchecked")
    private static <T> T timing(Class<T> type, T target, String prefix, Backend real, Map<String, Entry> entries, String[] phase,
                                boolean[] recording) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            long start = System.nanoTime();
            try {
                Object result = method.invoke(target, args);
                if (result instanceof org.safetynets.backend.SquareRounds rounds) {
                    return timing(org.safetynets.backend.SquareRounds.class, rounds, method.getName() + ".", real, entries, phase, recording);
                }
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (recording[0]) {
                    real.synchronize(); // a device call returns once queued: its time ends when it has run
                    Entry entry = entries.computeIfAbsent(phase[0] + "\t" + prefix + method.getName(), k -> new Entry());
                    entry.nanos += System.nanoTime() - start;
                    entry.calls++;
                }
            }
        });
    }
}
