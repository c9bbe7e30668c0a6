package org.safetynets.adversary;

import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.InteractiveSession;
import org.safetynets.proof.Proof;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.Transcript;

import java.util.function.UnaryOperator;

/**
 * A dishonest prover, written once against {@link Transcript} and played in both modes: as a Fiat-Shamir proof
 * file handed to {@link Verifier#verify(Model, long[][], byte[])}, and live against the interactive verifier.
 */
@FunctionalInterface
public interface CheatingProver {
    /** Plays the prover's side of one proof for {@code setting} over {@code channel}. */
    void play(Setting setting, Transcript channel);

    /** Thrown by a cheater's transcript wrapper to hang up mid-proof; the play ends quietly. */
    final class HangUp extends RuntimeException {
        public HangUp() {
            super("the cheating prover hangs up", null, false, false);
        }
    }

    /** The honest prover for {@code model} (perhaps not the verifier's) binding {@code digest}, its channel wrapped. */
    static CheatingProver honestFor(Model model, long[][] inputs, byte[] digest, UnaryOperator<Transcript> wrap) {
        return (setting, channel) -> Prover.prove(org.safetynets.layer.Network.compile(model, inputs.length), digest,
                InputBatch.of(model, inputs), setting.backend(), wrap.apply(channel), Prover.Progress.NONE);
    }

    /** The honest prover for the verifier's own model and inputs, its channel wrapped. */
    static CheatingProver wrapping(UnaryOperator<Transcript> wrap) {
        return (setting, channel) -> honestFor(setting.model(), setting.inputs(), setting.model().digest(), wrap).play(setting, channel);
    }

    /** The proof file this prover writes (the header is the verifier's: model digest, batch, shapes). */
    default byte[] proofFile(Setting setting) {
        FiatShamirTranscript transcript = FiatShamirTranscript.forProver();
        try {
            play(setting, transcript);
        } catch (HangUp stopped) {
            // the body ends where the prover stopped
        }
        Model model = setting.model();
        return ProofCodec.encode(new Proof(model.digest(), setting.batch(), model.input(), model.output(), transcript.proofBytes()));
    }

    default Verdict fiatShamir(Setting setting) {
        return Verifier.verify(setting.model(), setting.inputs(), proofFile(setting));
    }

    default Verdict interactive(Setting setting) {
        return InteractiveSession.run(setting.model(), setting.inputs(), channel -> {
            try {
                play(setting, channel);
            } catch (HangUp stopped) {
                // closing the channel tells the verifier the prover has stopped
            }
        });
    }
}
