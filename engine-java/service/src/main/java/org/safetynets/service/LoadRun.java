package org.safetynets.service;

import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * One bounded load on a prover host: K client threads, each with its own connection, send M requests one after
 * another (all start together), and every answer is checked: a verdict from the client's verifier, and for an
 * ACCEPT, outputs equal to the reference outputs computed here beforehand ({@code expected}). Each request ends
 * in exactly one {@link Outcome}; a request still unanswered long after the client's own deadline is
 * {@link Outcome#LOST} (a hang), so {@code sent = accepted + rejected + wrong + errors + lost} always holds.
 */
final class LoadRun {
    enum Mode { PROVE, INTERACTIVE }

    enum Outcome {
        /** Verified by the client, and the verified outputs are the reference outputs. */
        ACCEPTED,
        /** The client's verifier rejected the host's answer. */
        REJECTED,
        /** Verified, yet the outputs differ from the reference: the verifier was fooled. Must stay 0. */
        WRONG,
        /** No verdict: the host could not be reached, refused or failed (a clear error, counted by its message). */
        ERROR,
        /** No answer and no error long after the client's deadline. Must stay 0. */
        LOST
    }

    /** What every request of a run sends: the host's model {@code reference}, the client's own copy, the batch. */
    /** @param model the clients' verifier of the model, prepared once for the run */
    record Workload(String reference, Verifier.Prepared model, long[][] inputs, long[][] expected, Mode mode) {
        int batch() {
            return inputs.length;
        }
    }

    record Result(Outcome outcome, long nanos, String error) {
    }

    /** The counts, the latencies of accepted requests and the wall time of one run. */
    record Tally(int sent, Map<Outcome, Integer> counts, long[] acceptedNanos, long wallNanos, int batch, Map<String, Integer> errors) {
        static Tally of(List<Result> results, long wallNanos, int batch) {
            Map<Outcome, Integer> counts = new TreeMap<>();
            for (Outcome o : Outcome.values()) counts.put(o, 0);
            Map<String, Integer> errors = new TreeMap<>();
            long[] latencies = results.stream().filter(r -> r.outcome() == Outcome.ACCEPTED).mapToLong(Result::nanos).sorted().toArray();
            for (Result r : results) {
                counts.merge(r.outcome(), 1, Integer::sum);
                if (r.error() != null) errors.merge(r.error(), 1, Integer::sum);
            }
            return new Tally(results.size(), counts, latencies, wallNanos, batch, errors);
        }

        int count(Outcome outcome) {
            return counts.get(outcome);
        }

        /** Requests that got a verdict (accepted, rejected or wrong). */
        int answered() {
            return count(Outcome.ACCEPTED) + count(Outcome.REJECTED) + count(Outcome.WRONG);
        }

        /** The nearest-rank percentile of the accepted requests' latencies, in ms (NaN when none was accepted). */
        double percentileMillis(double percent) {
            if (acceptedNanos.length == 0) return Double.NaN;
            int rank = (int) Math.ceil(percent / 100 * acceptedNanos.length);
            return acceptedNanos[Math.max(0, rank - 1)] / 1e6;
        }

        double proofsPerSecond() {
            return count(Outcome.ACCEPTED) / (wallNanos / 1e9);
        }

        double samplesPerSecond() {
            return proofsPerSecond() * batch;
        }

        String row() {
            return String.format(Locale.ROOT, "%5d %8d %8d %8d %5d %6d %4d %9.2f %10.0f %8.0f %8.0f %8.0f",
                    sent, answered(), count(Outcome.ACCEPTED), count(Outcome.REJECTED), count(Outcome.WRONG), count(Outcome.ERROR),
                    count(Outcome.LOST), proofsPerSecond(), samplesPerSecond(), percentileMillis(50), percentileMillis(95), percentileMillis(99));
        }

        static String header() {
            return " sent answered accepted rejected wrong errors lost  proofs/s  samples/s   p50 ms   p95 ms   p99 ms";
        }
    }

    private LoadRun() {
    }

    /**
     * Runs {@code clients} x {@code requestsEach} requests of {@code workload} against {@code address}.
     * {@code onAnswer} hears the running count of finished requests (the fault run uses it to pick its moment). After
     * an error a client waits {@code pauseAfterError} before its next request, as a client would before retrying
     * (without it, a host that is down burns every remaining request in a few milliseconds).
     */
    static Tally run(String address, ProverClient.Options options, Workload workload, int clients, int requestsEach, Duration pauseAfterError,
                     IntConsumer onAnswer) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<List<Result>> perClient = new ArrayList<>();
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<Result> results = java.util.Collections.synchronizedList(new ArrayList<>());
                perClient.add(results);
                futures.add(pool.submit(() -> {
                    start.await();
                    try (ProverClient client = ProverClient.connect(address, options)) {
                        for (int i = 0; i < requestsEach; i++) {
                            Result result = request(client, workload);
                            results.add(result);
                            onAnswer.accept(finished.incrementAndGet());
                            if (result.outcome() == Outcome.ERROR) Thread.sleep(pauseAfterError.toMillis());
                        }
                    }
                    return null;
                }));
            }
            long begin = System.nanoTime();
            start.countDown();
            // A client's every call carries its deadline; a thread still busy long after all of them is hung.
            long patience = (options.timeout().toNanos() + pauseAfterError.toNanos()) * requestsEach + TimeUnit.SECONDS.toNanos(30);
            for (Future<?> future : futures) {
                try {
                    future.get(Math.max(0, patience - (System.nanoTime() - begin)), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                    future.cancel(true); // counted below as lost
                }
            }
            long wall = System.nanoTime() - begin;
            List<Result> all = new ArrayList<>();
            for (List<Result> results : perClient) {
                synchronized (results) {
                    all.addAll(results);
                    for (int i = results.size(); i < requestsEach; i++) all.add(new Result(Outcome.LOST, 0, null));
                }
            }
            return Tally.of(all, wall, workload.batch());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One request, timed from the call to the client's verdict, classified. */
    static Result request(ProverClient client, Workload workload) {
        long start = System.nanoTime();
        Verdict verdict;
        try {
            verdict = workload.mode() == Mode.PROVE
                    ? client.prove(workload.reference(), workload.model(), workload.inputs()).verdict()
                    : client.interactive(workload.reference(), workload.model(), workload.inputs());
        } catch (RuntimeException e) {
            return new Result(Outcome.ERROR, System.nanoTime() - start, errorClass(e));
        }
        long nanos = System.nanoTime() - start;
        if (verdict instanceof Verdict.Accepted accepted) {
            return Arrays.deepEquals(accepted.outputs(), workload.expected())
                    ? new Result(Outcome.ACCEPTED, nanos, null)
                    : new Result(Outcome.WRONG, nanos, "accepted outputs differ from the reference");
        }
        return new Result(Outcome.REJECTED, nanos, "REJECT: " + ((Verdict.Rejected) verdict).describe());
    }

    /** An error's kind for counting: the Flight status and the first words of its message (no ports or ids). */
    private static String errorClass(RuntimeException e) {
        String text = e instanceof org.apache.arrow.flight.FlightRuntimeException flight
                ? flight.status().code() + ": " + String.valueOf(flight.getMessage())
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        text = text.replaceAll("\\s+", " ").replaceAll("[0-9]+", "N");
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
}
