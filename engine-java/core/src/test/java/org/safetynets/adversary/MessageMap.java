package org.safetynets.adversary;

import org.safetynets.proof.Prover;
import org.safetynets.transcript.FiatShamirTranscript;
import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each prover message of an honest proof sits: its label, length (in words: two per F_p^2 element), the model layer whose sub-protocol sends it,
 * and its sum-check round within that layer (the number of round messages of the layer before it, which is the
 * round a verifier names when it catches a change to it). Found by running the honest prover once and watching
 * its progress callback, which fires after each layer's sub-protocol.
 */
public final class MessageMap {
    /** One message: {@code round} counts the layer's sum-check round messages before this one. */
    public record Message(int index, String label, int length, int layer, int round, int firstElement) {
        public boolean isRound() {
            return label.equals("sumcheck.round");
        }

        /**
         * The layer a verifier names when it cannot read this message (too short, not canonical): the outputs are
         * read before any layer's sub-protocol (layer 0, the proof as a whole); a change to their values is caught
         * by the last layer instead ({@link #layer}).
         */
        public int readLayer() {
            return index == 0 ? 0 : layer;
        }
    }

    private final List<Message> messages;

    private MessageMap(List<Message> messages) {
        this.messages = List.copyOf(messages);
    }

    public static MessageMap of(Setting setting) {
        var network = setting.network();
        var steps = network.steps();
        List<String> labels = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        List<Integer> boundaries = new ArrayList<>(); // messages sent when each layer's sub-protocol ended
        Transcript recorder = new ForwardingTranscript(FiatShamirTranscript.forProver()) {
            @Override
            public long[] message(String label, int length, long[] values) {
                labels.add(label);
                lengths.add(length);
                return inner.message(label, length, values);
            }

            @Override
            public org.safetynets.field.Fp2[] extensionMessage(String label, int length, org.safetynets.field.Fp2[] values) {
                labels.add(label);
                lengths.add(2 * length); // in words: an F_p^2 element is two
                return inner.extensionMessage(label, length, values);
            }
        };
        Prover.Progress progress = (what, done, total) -> {
            if (done > 1) boundaries.add(labels.size()); // done == 1 is the forward pass
        };
        Prover.prove(network, setting.model().digest(), setting.input(), setting.backend(), recorder, progress);
        List<Message> result = new ArrayList<>();
        int group = 0;
        int rounds = 0;
        int element = 0;
        for (int m = 0; m < labels.size(); m++) {
            while (m >= boundaries.get(group)) {
                group++;
                rounds = 0;
            }
            int layer = steps.get(steps.size() - 1 - group).modelLayer();
            result.add(new Message(m, labels.get(m), lengths.get(m), layer, rounds, element));
            if (labels.get(m).equals("sumcheck.round")) rounds++;
            element += lengths.get(m);
        }
        return new MessageMap(result);
    }

    public List<Message> messages() {
        return messages;
    }

    public int size() {
        return messages.size();
    }

    public Message get(int index) {
        return messages.get(index);
    }

    /** The message holding field element {@code element} of the proof body. */
    public Message ofElement(int element) {
        for (int m = messages.size() - 1; m >= 0; m--) if (messages.get(m).firstElement() <= element) return messages.get(m);
        throw new IllegalArgumentException("element " + element);
    }

    /** Messages that open a sum-check of degree 2 or more (where the consistent liar starts). */
    public List<Message> sumcheckStarts() {
        List<Message> starts = new ArrayList<>();
        for (Message m : messages) {
            boolean opens = m.isRound() && (m.index() == 0 || !messages.get(m.index() - 1).isRound()
                    || messages.get(m.index() - 1).layer() != m.layer());
            if (opens && m.length() >= 6) starts.add(m); // three F_p^2 evaluations: degree 2 or more
        }
        return starts;
    }
}
