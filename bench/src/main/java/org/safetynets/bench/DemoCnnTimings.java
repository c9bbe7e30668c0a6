package org.safetynets.bench;

import org.safetynets.bench.compare.TextTable;
import org.safetynets.bench.compare.Timings;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.model.Model;
import org.safetynets.proof.Proof;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.util.Arrays;

/**
 * Part (b) of CoreBenchmark: the demo CNN (or a {@code --model} file) on one backend. Each run does plain field inference
 * ({@link Prover#infer}), a Fiat-Shamir proof ({@link Prover#prove}, which includes its own forward pass) and
 * its verification ({@link Verifier#verify} on the {@link Proof}, no backend), then the same proof again by a prover
 * prepared once for the model ({@link Prover.Prepared}: no digest or network compile per proof, as a prover host
 * proves), interleaved so that drift in the machine's speed touches all of them alike.
 */
final class DemoCnnTimings {
    /** The paper's claims this engine aims at: proving costs at most 1.3x inference, verifying is 10x cheaper. */
    static final double PROVER_OVER_INFERENCE_TARGET = 1.3;
    static final double INFERENCE_OVER_VERIFIER_TARGET = 10;

    /** @param preparedProver the same proof by a {@link Prover.Prepared} made once for the model, as a prover host proves */
    record Result(String model, int batch, int threads, String backend, Timings inference, Timings prover, Timings preparedProver,
                  Timings verifier, int proofBytes) {
        double proverOverInference() {
            return prover.median() / inference.median();
        }

        double preparedProverOverInference() {
            return preparedProver.median() / inference.median();
        }

        double inferenceOverVerifier() {
            return inference.median() / verifier.median();
        }
    }

    private DemoCnnTimings() {
    }

    /** @throws IllegalStateException if a proof is rejected or proves other outputs than inference computes */
    static Result measure(BenchNetwork network, String backendName, int threads, int batch, WarmUp.Rule warmUp, int runs) {
        Model model = network.model();
        long[][] samples = network.inputs().apply(batch);
        try (Backend backend = Backends.open(backendName, threads, message -> { })) {
            double[] inference = new double[runs];
            double[] prover = new double[runs];
            double[] preparedProver = new double[runs];
            double[] verifier = new double[runs];
            Prover.Prepared prepared = Prover.Prepared.of(model, Limits.DEFAULTS); // untimed, once, as a host would
            for (WarmUp w = new WarmUp(warmUp); w.warming(); w.ranOne()) once(model, prepared, samples, backend);
            int proofBytes = 0;
            for (int run = 0; run < runs; run++) {
                Once times = once(model, prepared, samples, backend);
                inference[run] = times.inference();
                prover[run] = times.prover();
                preparedProver[run] = times.preparedProver();
                verifier[run] = times.verifier();
                proofBytes = times.proofBytes();
            }
            return new Result(model.name(), batch, threads, backend.description(), new Timings(inference), new Timings(prover),
                    new Timings(preparedProver), new Timings(verifier), proofBytes);
        }
    }

    /** Seconds of one inference, proof (one-shot and prepared) and verification, and the proof's size. */
    private record Once(double inference, double prover, double preparedProver, double verifier, int proofBytes) {
    }

    private static Once once(Model model, Prover.Prepared prepared, long[][] samples, Backend backend) {
        long t0 = System.nanoTime();
        long[][] outputs = Prover.infer(model, samples, backend);
        backend.synchronize(); // each timing ends once the device has run what was queued
        long t1 = System.nanoTime();
        Proof proof = Prover.prove(model, samples, backend);
        backend.synchronize();
        long t2 = System.nanoTime();
        Verdict verdict = Verifier.verify(model, samples, proof);
        long t3 = System.nanoTime();
        Proof again = prepared.prove(samples, backend, Prover.Progress.NONE);
        backend.synchronize();
        long t4 = System.nanoTime();
        if (!Arrays.equals(again.body(), proof.body())) throw new IllegalStateException("the prepared prover made other proof bytes");
        if (!(verdict instanceof Verdict.Accepted accepted)) {
            throw new IllegalStateException("the verifier rejected an honest proof: " + ((Verdict.Rejected) verdict).describe());
        }
        if (!Arrays.deepEquals(accepted.outputs(), outputs)) {
            throw new IllegalStateException("the proof establishes other outputs than plain inference computes");
        }
        return new Once((t1 - t0) * 1e-9, (t2 - t1) * 1e-9, (t4 - t3) * 1e-9, (t3 - t2) * 1e-9, proof.encodedSize());
    }

    static String render(Result r) {
        TextTable table = new TextTable("phase", "median", "min", "max");
        table.add("inference (Prover.infer)", TextTable.seconds(r.inference().median()), TextTable.seconds(r.inference().min()),
                TextTable.seconds(r.inference().max()));
        table.add("prover total (Prover.prove)", TextTable.seconds(r.prover().median()), TextTable.seconds(r.prover().min()),
                TextTable.seconds(r.prover().max()));
        table.add("prover, prepared once (Prover.Prepared)", TextTable.seconds(r.preparedProver().median()),
                TextTable.seconds(r.preparedProver().min()), TextTable.seconds(r.preparedProver().max()));
        table.add("verifier (Verifier.verify)", TextTable.seconds(r.verifier().median()), TextTable.seconds(r.verifier().min()),
                TextTable.seconds(r.verifier().max()));
        TextTable ratios = new TextTable("ratio (of medians)", "value", "target", "status");
        ratios.add("prover / inference", String.format("%.3fx", r.proverOverInference()),
                String.format("<= %.1fx", PROVER_OVER_INFERENCE_TARGET),
                r.proverOverInference() <= PROVER_OVER_INFERENCE_TARGET ? "met" : "MISSED");
        ratios.add("prepared prover / inference", String.format("%.3fx", r.preparedProverOverInference()), "", "");
        ratios.add("inference / verifier", String.format("%.1fx", r.inferenceOverVerifier()),
                String.format(">= %.0fx", INFERENCE_OVER_VERIFIER_TARGET),
                r.inferenceOverVerifier() >= INFERENCE_OVER_VERIFIER_TARGET ? "met" : "MISSED");
        return table.render("  ") + "\n" + ratios.render("  ")
                + String.format("%n  proof size: %,d bytes (%.1f KiB)%n", r.proofBytes(), r.proofBytes() / 1024.0);
    }

    static void addCsv(CsvReport csv, Result r) {
        String shape = "batch=" + r.batch();
        csv.add("cnn", "inference", r.threads(), shape, r.inference().median(), r.inference().min(), r.inference().max(),
                null, null, null, null, r.proofBytes());
        csv.add("cnn", "prover", r.threads(), shape, r.prover().median(), r.prover().min(), r.prover().max(),
                null, null, r.proverOverInference(), "prover/inference", r.proofBytes());
        csv.add("cnn", "prepared prover", r.threads(), shape, r.preparedProver().median(), r.preparedProver().min(),
                r.preparedProver().max(), null, null, r.preparedProverOverInference(), "prepared prover/inference", r.proofBytes());
        csv.add("cnn", "verifier", r.threads(), shape, r.verifier().median(), r.verifier().min(), r.verifier().max(),
                null, null, r.inferenceOverVerifier(), "inference/verifier", r.proofBytes());
    }
}
