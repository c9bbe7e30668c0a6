package org.safetynets.train;

import org.safetynets.SafetyNetsException;

/** The loss stopped being a finite number: the run cannot produce a model. */
public final class TrainingDiverged extends SafetyNetsException {
    public TrainingDiverged(String message) {
        super(message);
    }
}
