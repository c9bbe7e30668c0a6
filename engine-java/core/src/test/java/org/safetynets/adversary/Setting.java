package org.safetynets.adversary;

import org.safetynets.backend.Backend;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.proof.InputBatch;

/** What a cheating prover is up against: the verifier's model and input batch, and a backend to compute with. */
public record Setting(Model model, long[][] inputs, Backend backend) {
    public Network network() {
        return Network.compile(model, inputs.length);
    }

    public InputBatch input() {
        return InputBatch.of(model, inputs);
    }

    public int batch() {
        return inputs.length;
    }

    /** The model layer of the network's last step: where a wrong output is caught. */
    public int lastLayer() {
        var steps = network().steps();
        return steps.get(steps.size() - 1).modelLayer();
    }
}
