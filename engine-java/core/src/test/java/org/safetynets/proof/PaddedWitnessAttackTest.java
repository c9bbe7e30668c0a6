package org.safetynets.proof;

import org.junit.jupiter.api.Test;
import org.safetynets.adversary.CheatingProver;
import org.safetynets.adversary.Setting;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.layer.Network;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.IntegerReference;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.TestModels;
import org.safetynets.tensor.Layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Lies that every round check passes because the prover's messages are consistent with the tensors it claims:
 * values hidden in the padding of an activation (a {@link WitnessProver}), and a host that runs a model differing
 * from the verifier's only in a bias or in the orientation of a kernel. Padded positions are never sent; what
 * forces them to zero is each layer's relation as the verifier evaluates it from its own model (zero weight rows,
 * the bias masked to the real batch and positions, the conv selection over real positions only) and, for the
 * input, the verifier's own MLE of its samples. Each lie must be rejected in both modes, at the layer whose
 * relation it breaks.
 */
class PaddedWitnessAttackTest {
    private static final int BATCH = 3;

    private static Setting setting(String zooModel) {
        Model model = TestModels.zoo(21).stream().filter(m -> m.name().equals(zooModel)).findFirst().orElseThrow();
        return new Setting(model, TestModels.inputs(model, BATCH, 5), new ReferenceBackend());
    }

    /** Rejected in both modes; {@code layer} is the 1-based model layer, 0 for the proof as a whole; round -1: any. */
    private static void rejectedAt(Setting setting, CheatingProver cheat, int layer, int round, String reason, String what) {
        for (boolean fiatShamir : new boolean[] {true, false}) {
            Verdict verdict = fiatShamir ? cheat.fiatShamir(setting) : cheat.interactive(setting);
            String where = what + (fiatShamir ? " (Fiat-Shamir)" : " (interactive)");
            if (!(verdict instanceof Verdict.Rejected rejected)) {
                fail(where + ": ACCEPTED with outputs " + Arrays.deepToString(((Verdict.Accepted) verdict).outputs()));
                continue;
            }
            assertEquals(layer, rejected.layer(), where + ": " + rejected.describe());
            if (round >= 0) assertEquals(round, rejected.round(), where + ": " + rejected.describe());
            if (reason != null) assertTrue(rejected.reason().contains(reason), where + ": " + rejected.describe());
        }
    }

    /** The harness: honest activations played through the witness prover are accepted, else every rejection below means nothing. */
    @Test
    void honestActivationsAreAccepted() {
        for (String name : new String[] {"cnn", "mlp", "pool2"}) {
            Setting s = setting(name);
            WitnessProver honest = new WitnessProver(WitnessProver.honestActivations(s));
            assertTrue(honest.fiatShamir(s).accepted(), name + " (Fiat-Shamir)");
            assertTrue(honest.interactive(s).accepted(), name + " (interactive)");
        }
    }

    /**
     * In "cnn" the first conv's 9x9 output is padded to 16x16, and the square+pool(2) after it has a ragged last
     * window: pooled column 4 reads columns 8 and 9, column 9 being padding. Values written at column 9 therefore
     * change the real outputs, and every later layer is proven honestly on them. Only the conv's relation (its
     * selection S ranges over real output positions, its bias is masked to them) says column 9 must be zero.
     */
    @Test
    void garbageInPaddedColumnFeedingARaggedPoolWindow() {
        Setting s = setting("cnn");
        Network network = s.network();
        List<long[]> activations = WitnessProver.honestActivations(s);
        long[][] honestOutputs = WitnessProver.claimedOutputs(network, activations);
        Layout conv1 = network.steps().get(0).protocol().output();
        assertEquals(9, conv1.shape().width(), "column 9 is the first padded column");
        long[] tampered = activations.get(1).clone();
        for (int c = 0; c < conv1.shape().channels(); c++)
            for (int h = 0; h < conv1.shape().height(); h++)
                for (int b = 0; b < BATCH; b++) tampered[conv1.index(c, h, 9, b)] = Fp.fromSigned(1 + c + h);
        activations.set(1, tampered);
        WitnessProver.recomputeFrom(s.backend(), network, activations, 1);
        assertFalse(Arrays.deepEquals(honestOutputs, WitnessProver.claimedOutputs(network, activations)),
                "the padded column must reach the real outputs through the ragged window");
        rejectedAt(s, new WitnessProver(activations), 1, 0, null, "conv1's padded column 9 non-zero");
    }

    /**
     * In "mlp" (batch 3 padded to 4) the first dense layer's output claims values in the padded sample slot 3, and
     * every later layer is proven honestly on them, so the claimed padded output has that slot non-zero too. The
     * verifier pads the outputs it was sent with zeros, so the last dense layer's first round catches the claim.
     */
    @Test
    void garbageInPaddedBatchColumn() {
        Setting s = setting("mlp");
        Network network = s.network();
        List<long[]> activations = WitnessProver.honestActivations(s);
        long[] honestPaddedOutput = activations.get(activations.size() - 1);
        Layout dense1 = network.steps().get(0).protocol().output();
        assertEquals(4, dense1.paddedBatch(), "sample slot 3 is padding");
        long[] tampered = activations.get(1).clone();
        for (int f = 0; f < dense1.shape().size(); f++) tampered[dense1.index(f, 0, 0, 3)] = Fp.fromSigned(f + 2);
        activations.set(1, tampered);
        WitnessProver.recomputeFrom(s.backend(), network, activations, 1);
        assertFalse(Arrays.equals(honestPaddedOutput, activations.get(activations.size() - 1)),
                "the garbage must reach the claimed padded output");
        rejectedAt(s, new WitnessProver(activations), 3, 0, null, "dense1's padded batch column 3 non-zero");
    }

    /**
     * In "mlp" the first dense layer's 6 outputs are padded to 8; values in feature rows 6 and 7 survive the square
     * and meet only zero (padded) weight columns in the second dense layer, so the real outputs are the honest
     * ones while the claims about the hidden layers are about the tampered tensors. The first dense layer's zero
     * weight rows, and its bias masked to real rows, must expose them.
     */
    @Test
    void garbageInPaddedFeatureRows() {
        Setting s = setting("mlp");
        Network network = s.network();
        List<long[]> activations = WitnessProver.honestActivations(s);
        long[][] honestOutputs = WitnessProver.claimedOutputs(network, activations);
        long[] honestSquares = activations.get(2);
        Layout dense1 = network.steps().get(0).protocol().output();
        assertEquals(6, dense1.shape().size(), "rows 6 and 7 are padding");
        long[] tampered = activations.get(1).clone();
        for (int f = 6; f < 8; f++) for (int b = 0; b < BATCH; b++) tampered[dense1.index(f, 0, 0, b)] = Fp.fromSigned(3 + f + b);
        activations.set(1, tampered);
        WitnessProver.recomputeFrom(s.backend(), network, activations, 1);
        assertFalse(Arrays.equals(honestSquares, activations.get(2)),
                "the square's claimed output must carry the garbage");
        assertArrayEquals(honestOutputs, WitnessProver.claimedOutputs(network, activations), "the real outputs stay the honest ones");
        rejectedAt(s, new WitnessProver(activations), 1, 0, null, "dense1's padded feature rows 6 and 7 non-zero");
    }

    /**
     * In "pool2" the pool reads the input directly (2x5x7, window 2, ragged in both axes) and has no check of its
     * own: the claim it reduces to is about the input. The prover claims values at the input's padded column 7 and
     * row 5; the verifier evaluates the input's MLE from its own samples, with zeros there, and must refuse.
     */
    @Test
    void garbageInPaddedInputPositions() {
        Setting s = setting("pool2");
        Network network = s.network();
        List<long[]> activations = WitnessProver.honestActivations(s);
        long[] honestPaddedOutput = activations.get(activations.size() - 1);
        Layout input = network.input();
        assertEquals(7, input.shape().width(), "column 7 is padding");
        assertEquals(5, input.shape().height(), "row 5 is padding");
        long[] tampered = activations.get(0).clone();
        for (int c = 0; c < input.shape().channels(); c++)
            for (int b = 0; b < BATCH; b++) {
                tampered[input.index(c, 2, 7, b)] = 5;
                tampered[input.index(c, 5, 1, b)] = 9;
            }
        activations.set(0, tampered);
        WitnessProver.recomputeFrom(s.backend(), network, activations, 0);
        assertFalse(Arrays.equals(honestPaddedOutput, activations.get(activations.size() - 1)),
                "the padded input values must reach the pooled output");
        rejectedAt(s, new WitnessProver(activations), 0, -1, "does not match the input batch", "padded input column 7 and row 5 non-zero");
    }

    // ---- a host that runs another model of the same shapes and binds the verifier's digest ----

    private static Model withLayer(Model model, int index, Layer layer) {
        List<Layer> layers = new ArrayList<>(model.layers());
        layers.set(index, layer);
        return new Model(model.name(), model.input(), model.inputMin(), model.inputMax(), model.inputScale(), layers);
    }

    /**
     * The host runs {@code substitute} honestly and binds the real model's digest. The substitute must answer
     * differently on these inputs, so that a rejection is of outputs the real model would not give.
     */
    private static void lazyHost(Setting s, Model substitute, int layer, int round, String reason, String what) {
        boolean outputsDiffer = false;
        for (long[] sample : s.inputs()) {
            outputsDiffer |= !Arrays.equals(IntegerReference.run(s.model(), sample), IntegerReference.run(substitute, sample));
        }
        assertTrue(outputsDiffer, what + ": the substitute model must answer differently");
        CheatingProver host = CheatingProver.honestFor(substitute, s.inputs(), s.model().digest(), UnaryOperator.identity());
        rejectedAt(s, host, layer, round, reason, what);
    }

    private static Conv2d withBias(Conv2d c, long[] bias) {
        return new Conv2d(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), c.weights(), bias, c.weightScale());
    }

    /** A bias is checked through its masked MLE in the layer's first round; the weights alone do not pin it. */
    @Test
    void lazyHostWithConvBiasChanged() {
        Setting s = setting("cnn");
        Conv2d conv = (Conv2d) s.model().layers().get(0);
        long[] bias = conv.bias().clone();
        bias[1] += 1;
        lazyHost(s, withLayer(s.model(), 0, withBias(conv, bias)), 1, 0, null, "conv1 bias[1] + 1");
    }

    @Test
    void lazyHostWithDenseBiasChanged() {
        Setting s = setting("cnn");
        int last = s.model().layers().size() - 1;
        Dense dense = (Dense) s.model().layers().get(last);
        long[] bias = dense.bias().clone();
        bias[2] -= 1;
        Dense changed = new Dense(dense.outputs(), dense.inputs(), dense.weights(), bias, dense.weightScale());
        lazyHost(s, withLayer(s.model(), last, changed), last + 1, 0, null, "last dense bias[2] - 1");
    }

    /** A cheaper model: the first conv's bias dropped. */
    @Test
    void lazyHostWithoutConvBias() {
        Setting s = setting("cnn");
        Conv2d conv = (Conv2d) s.model().layers().get(0);
        lazyHost(s, withLayer(s.model(), 0, withBias(conv, new long[conv.outChannels()])), 1, 0, null, "conv1 without bias");
    }

    /**
     * The kernel flipped in both axes: a true convolution instead of the model's cross-correlation, the mistake an
     * importer or a hand-written kernel makes. Shapes and every other weight agree; the verifier's own MLE(K) in
     * the conv's final check must tell them apart.
     */
    @Test
    void lazyHostWithFlippedKernel() {
        Setting s = setting("conv-s1-p1");
        Conv2d c = (Conv2d) s.model().layers().get(0);
        int k = c.kernel();
        long[] flipped = new long[c.weights().length];
        for (int co = 0; co < c.outChannels(); co++)
            for (int ci = 0; ci < c.inChannels(); ci++)
                for (int kh = 0; kh < k; kh++)
                    for (int kw = 0; kw < k; kw++)
                        flipped[((co * c.inChannels() + ci) * k + kh) * k + kw] = c.weight(co, ci, k - 1 - kh, k - 1 - kw);
        Conv2d convolution = new Conv2d(c.outChannels(), c.inChannels(), k, c.stride(), c.padding(), flipped, c.bias(), c.weightScale());
        lazyHost(s, withLayer(s.model(), 0, convolution), 1, -1, "MLE(K)", "conv kernel flipped");
    }
}
