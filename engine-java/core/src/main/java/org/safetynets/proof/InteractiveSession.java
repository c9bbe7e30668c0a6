package org.safetynets.proof;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.transcript.InteractiveTranscript;
import org.safetynets.transcript.Transcript;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * The interactive protocol in one process: the prover runs on its own thread and the verifier on the caller's,
 * joined by an {@link InteractiveTranscript} channel, the verifier drawing fresh challenges with SecureRandom.
 * The same prover and verifier code as the non-interactive proof.
 */
public final class InteractiveSession {
    private InteractiveSession() {
    }

    /** What runs on the prover's thread, given its end of the channel (tests play cheating provers with it). */
    @FunctionalInterface
    public interface ProverSide {
        void prove(InteractiveTranscript channel);
    }

    public static Verdict run(Model model, long[][] samples, Backend backend) {
        return run(model, samples, backend, UnaryOperator.identity());
    }

    /** The honest prover, its end of the channel wrapped by {@code proverSide} (tests use it to tamper with messages). */
    public static Verdict run(Model model, long[][] samples, Backend backend, UnaryOperator<Transcript> proverSide) {
        InputBatch input = InputBatch.of(model, samples);
        Network network = Network.compile(model, samples.length);
        byte[] digest = model.digest();
        return run(model, samples, channel -> Prover.prove(network, digest, input, backend, proverSide.apply(channel), Prover.Progress.NONE));
    }

    /** The verifier for {@code model} and {@code samples} against any prover. */
    public static Verdict run(Model model, long[][] samples, ProverSide proverSide) {
        InputBatch input = InputBatch.of(model, samples);
        Network network = Network.compile(model, samples.length);
        byte[] digest = model.digest();
        InteractiveTranscript[] ends = InteractiveTranscript.connect();
        ExecutorService proverThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "interactive-prover");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> prover = proverThread.submit(() -> {
                try (InteractiveTranscript end = ends[0]) {
                    proverSide.prove(end);
                } catch (InteractiveTranscript.VerifierStopped stopped) {
                    // The verifier rejected and hung up: nothing left to prove.
                }
                return null;
            });
            Verdict verdict;
            try (InteractiveTranscript end = ends[1]) {
                verdict = Verifier.verify(network, digest, input, end);
                if (verdict.accepted()) {
                    try {
                        end.requireEnd();
                    } catch (ProofRejected e) {
                        verdict = new Verdict.Rejected(e.getMessage(), 0, -1);
                    }
                }
            }
            try {
                prover.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the prover failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            return verdict;
        } finally {
            proverThread.shutdownNow();
        }
    }
}
