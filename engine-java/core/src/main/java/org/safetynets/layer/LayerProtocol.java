package org.safetynets.layer;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.tensor.Layout;
import org.safetynets.transcript.Transcript;

/**
 * One layer, padded for one batch size: its inference step, and the sub-protocol that reduces a claim on its
 * output to a claim on its input, prover and verifier side by side over one transcript schedule.
 */
public interface LayerProtocol {
    Layout input();

    Layout output();

    /** The layer's forward step; returns a new tensor. */
    DeviceTensor infer(Backend backend, DeviceTensor input);

    /**
     * Prover: given the (true) claim on the output, returns the claim on the input that the verifier will also
     * derive. The input tensor is this layer's own and may be folded away.
     */
    Claim prove(Backend backend, Transcript transcript, Claim outputClaim, DeviceTensor input);

    /** Verifier: checks the sub-protocol and returns the claim on the input, or throws ProofRejected. */
    Claim verify(Transcript transcript, Claim outputClaim);

    /** The sub-protocol's transcript steps, declared once; {@link #prove} and {@link #verify} both play it. */
    ProtocolSchedule schedule();

    /** This layer's sum-checks in the order they run: rounds and degree (for the soundness bound). */
    default java.util.List<org.safetynets.sumcheck.Sumcheck.Rounds> sumchecks() {
        return schedule().sumchecks();
    }

    /** 8-byte words the prover sends in this layer's sub-protocol, two per F_p^2 element (for proof-size accounting). */
    default long proofWords() {
        return schedule().proofWords();
    }
}
