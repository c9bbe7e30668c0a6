package org.safetynets.adversary;

import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.model.Conv2d;
import org.safetynets.model.Dense;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.Square;
import org.safetynets.model.TestModels;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every cheating strategy of this package against the verifier, in both transcript modes, on small networks of
 * every layer kind: each must be rejected, and where the protocol determines it, the rejection must name the
 * layer and the sum-check round at which the lie was caught. The counts are printed at the end of the class.
 */
class AdversaryTest {
    private static final Tally TALLY = new Tally();
    private static final int BATCH = 3;

    /** dense + x^2 + dense; conv/x^2+pool/conv/x^2+pool/dense; pool alone; strided conv alone. */
    private static List<Setting> settings() {
        List<Setting> settings = new ArrayList<>();
        for (Model model : TestModels.zoo(21)) {
            if (List.of("mlp", "cnn", "pool4", "conv-s2-p0").contains(model.name())) {
                settings.add(new Setting(model, TestModels.inputs(model, BATCH, 5), new ReferenceBackend()));
            }
        }
        return settings;
    }

    @AfterAll
    static void summary() {
        System.out.println(TALLY.summary());
    }

    /** What a rejection must say; layer -1 and round -1 mean "not determined", reason null "any reason". */
    private record Expect(int layer, int roundLow, int roundHigh, String reason, String notReason) {
        static Expect at(int layer, int round) {
            return new Expect(layer, round, round, null, null);
        }

        static Expect layer(int layer, String reason) {
            return new Expect(layer, -1, -1, reason, null);
        }

        static Expect any() {
            return new Expect(-1, -1, -1, null, null);
        }

        void check(Verdict verdict, String what) {
            if (verdict.accepted()) fail(what + ": ACCEPTED");
            Verdict.Rejected r = (Verdict.Rejected) verdict;
            if (layer >= 0) assertEquals(layer, r.layer(), what + ": " + r.describe());
            if (roundLow >= 0) assertTrue(r.round() >= roundLow && r.round() <= roundHigh, what + ": round " + r.round() + ", " + r.describe());
            if (reason != null) assertTrue(r.reason().contains(reason), what + ": " + r.describe());
            if (notReason != null) assertFalse(r.reason().contains(notReason), what + ": " + r.describe());
        }
    }

    private static void both(String strategy, Setting setting, CheatingProver cheat, Expect fiatShamir, Expect interactive, String what) {
        Verdict fs = cheat.fiatShamir(setting);
        TALLY.record(strategy, Tally.Mode.FIAT_SHAMIR, !fs.accepted());
        fiatShamir.check(fs, setting.model().name() + " " + what + " (Fiat-Shamir)");
        Verdict live = cheat.interactive(setting);
        TALLY.record(strategy, Tally.Mode.INTERACTIVE, !live.accepted());
        interactive.check(live, setting.model().name() + " " + what + " (interactive)");
    }

    private static void file(String strategy, Setting setting, byte[] file, Expect expect, String what) {
        Verdict verdict = Verifier.verify(setting.model(), setting.inputs(), file);
        TALLY.record(strategy, Tally.Mode.FIAT_SHAMIR, !verdict.accepted());
        expect.check(verdict, setting.model().name() + " " + what);
    }

    private static void live(String strategy, Setting setting, CheatingProver cheat, Expect expect, String what) {
        Verdict verdict = cheat.interactive(setting);
        TALLY.record(strategy, Tally.Mode.INTERACTIVE, !verdict.accepted());
        expect.check(verdict, setting.model().name() + " " + what + " (interactive)");
    }

    private static Stream<DynamicTest> perSetting(String name, java.util.function.Consumer<Setting> body) {
        return settings().stream().map(s -> DynamicTest.dynamicTest(name + " " + s.model().name(), () -> body.accept(s)));
    }

    /** The harness itself: the honest prover played through it is accepted in both modes (else every rejection below means nothing). */
    @TestFactory
    Stream<DynamicTest> honestProverIsAccepted() {
        return perSetting("honest", s -> {
            CheatingProver honest = CheatingProver.wrapping(t -> t);
            assertTrue(honest.fiatShamir(s).accepted());
            assertTrue(honest.interactive(s).accepted());
            assertEquals(ProofCodec.encode(Prover.prove(s.model(), s.inputs(), s.backend())).length, honest.proofFile(s).length);
        });
    }

    /** One wrong output entry, everything else honest: the last layer's first round catches it. */
    @TestFactory
    Stream<DynamicTest> wrongOutputEntry() {
        return perSetting("wrong output", s -> {
            int outputs = BATCH * s.model().output().size();
            for (int k = 0; k < outputs; k++) {
                int entry = k;
                CheatingProver cheat = CheatingProver.wrapping(t -> new TamperingTranscript(t, 0, entry));
                both("wrong output entry", s, cheat, Expect.at(s.lastLayer(), 0), Expect.at(s.lastLayer(), 0), "output " + k);
            }
        });
    }

    /**
     * Each prover message perturbed in turn (one element + 1): caught in the layer that sent it, at that round
     * (a change to g(0) or g(1), or to a claimed evaluation at the layer's final check) or the next (a change to
     * g(t) for t >= 2 survives its own round but not the next).
     */
    @TestFactory
    Stream<DynamicTest> everyMessagePerturbed() {
        return perSetting("perturbed messages", s -> {
            MessageMap map = MessageMap.of(s);
            for (MessageMap.Message m : map.messages()) {
                int element = m.index() % m.length();
                int high = m.isRound() && element >= 2 ? m.round() + 1 : m.round();
                CheatingProver cheat = CheatingProver.wrapping(t -> new TamperingTranscript(t, m.index(), element));
                Expect expect = new Expect(m.layer(), m.round(), high, null, null);
                both("each message perturbed", s, cheat, expect, expect, "message " + m.index() + " '" + m.label() + "' element " + element);
            }
        });
    }

    /**
     * The lazy host: runs a cheaper or different model of the same shapes, honestly, and binds the real model's
     * digest. Its claims are consistent with each other; only the real weights in a final check (or the bias at a
     * first round) expose it, at the topmost layer that differs.
     */
    @TestFactory
    Stream<DynamicTest> lazyHost() {
        return perSetting("lazy host", s -> {
            Model model = s.model();
            List<Model> others = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Model rounded = mapWeights(model, true);
            if (rounded != null) {
                others.add(rounded);
                names.add("lazy host: rounded weights");
                others.add(mapWeights(model, false));
                names.add("lazy host: first layer's weights rounded");
            }
            Model checkpoint = TestModels.zoo(22).stream().filter(m -> m.name().equals(model.name())).findFirst().orElseThrow();
            if (firstDifferingLayer(model, checkpoint) > 0) {
                others.add(checkpoint);
                names.add("lazy host: another checkpoint");
            }
            Model fewer = withoutFirstSquare(model);
            if (fewer != null) {
                others.add(fewer);
                names.add("lazy host: fewer layers (an x^2 skipped)");
            }
            for (int i = 0; i < others.size(); i++) {
                Model other = others.get(i);
                int layer = firstDifferingLayer(model, other);
                Expect expect = fewerLayers(model, other) ? Expect.any() : new Expect(layer, -1, -1, null, null);
                both(names.get(i), s, CheatingProver.honestFor(other, s.inputs(), model.digest(), t -> t), expect, expect, names.get(i));
                // The same host honest about which model it ran is refused by the digest (a proof file only).
                file("lazy host: honest about its own digest", s, ProofCodec.encode(Prover.prove(other, s.inputs(), s.backend())),
                        Expect.layer(0, "different model"), names.get(i));
            }
        });
    }

    /** An honest proof for another batch of the same size (replay), and for the same batch reordered. */
    @TestFactory
    Stream<DynamicTest> replayAndReorder() {
        return perSetting("replay", s -> {
            long[][] other = TestModels.inputs(s.model(), BATCH, 99);
            long[][] reordered = s.inputs().clone();
            reordered[0] = s.inputs()[1];
            reordered[1] = s.inputs()[0];
            assertFalse(Arrays.equals(reordered[0], reordered[1]));
            byte[] digest = s.model().digest();
            // Fiat-Shamir: the challenges depend on the input batch, so the replayed messages answer other
            // challenges and the last layer's first round fails. Interactive: the replay is a consistent proof
            // about other inputs, caught when the verifier evaluates its own inputs at the end.
            Expect fs = Expect.at(s.lastLayer(), 0);
            Expect live = Expect.layer(0, "input batch");
            both("replay: honest proof for another batch", s, CheatingProver.honestFor(s.model(), other, digest, t -> t), fs, live, "");
            both("batch reordered: honest proof of the permuted batch", s, CheatingProver.honestFor(s.model(), reordered, digest, t -> t), fs, live, "");
            // Outputs sent in another sample order, the rest honest.
            int features = s.model().output().size();
            CheatingProver swapped = CheatingProver.wrapping(t -> new TamperingTranscript(t, 0, (label, honest) -> {
                long[] values = honest.clone();
                System.arraycopy(honest, features, values, 0, features);
                System.arraycopy(honest, 0, values, features, features);
                return new TamperingTranscript.Sent(label, values);
            }));
            both("batch reordered: outputs swapped", s, swapped, Expect.at(s.lastLayer(), 0), Expect.at(s.lastLayer(), 0), "");
        });
    }

    /** A faked claim carried consistently through every later round: no round check catches it, only a final check. */
    /**
     * What a prover grinding a Fiat-Shamir transcript aims at: a round message g + eps*h with h(t) = (t - beta)(t - gamma),
     * h(0) + h(1) = 0, so the round check passes and the lie vanishes if the challenge is beta or gamma, two points of
     * the base field. Drawn from F_p, one challenge in p/2 hits them, and 2^60 hashes find one; drawn from F_p^2,
     * the chance is 2/p^2. Each such message, in every sum-check of every layer, must be rejected in both modes.
     */
    @TestFactory
    Stream<DynamicTest> roundMessageVanishingAtABaseFieldPoint() {
        long beta = 5;
        long gamma = Fp.mul(Fp.sub(beta, 1), Fp.inverse(Fp.sub(Fp.mul(2, beta), 1))); // 2 beta gamma - beta - gamma + 1 = 0
        return perSetting("grinding target", s -> {
            MessageMap map = MessageMap.of(s);
            for (MessageMap.Message m : map.messages()) {
                if (!m.isRound()) continue;
                int evaluations = m.length() / 2;
                CheatingProver cheat = CheatingProver.wrapping(t -> new TamperingTranscript(t, m.index(), (label, honest) -> {
                    long[] words = honest.clone();
                    for (int k = 0; k < evaluations; k++) {
                        long h = Fp.mul(Fp.sub(k, beta), Fp.sub(k, gamma));
                        words[2 * k] = Fp.add(words[2 * k], Fp.mul(7, h)); // the real part of g(k) + 7 h(k)
                    }
                    return new TamperingTranscript.Sent(label, words);
                }));
                assertEquals(0, Fp.add(Fp.mul(beta, gamma), Fp.mul(Fp.sub(1, beta), Fp.sub(1, gamma))), "h(0) + h(1) = 0");
                // Caught in the same layer, or, where the layer ends without a check of its own (a pool), further down.
                both("round message vanishing at a base-field point", s, cheat, Expect.any(), Expect.any(), "message " + m.index());
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> consistentLiar() {
        return perSetting("consistent liar", s -> {
            boolean crossed = false;
            for (MessageMap.Message start : MessageMap.of(s).sumcheckStarts()) {
                ConsistentLiar[] liars = new ConsistentLiar[2];
                int[] plays = {0};
                CheatingProver cheat = CheatingProver.wrapping(t -> liars[plays[0]++] = new ConsistentLiar(t, start.index(), 7 + start.index()));
                Expect expect = new Expect(-1, -1, -1, null, "g(0) + g(1)");
                both("consistent liar (fake claim, rest consistent)", s, cheat, expect, expect, "lie from message " + start.index());
                assertTrue(liars[0].fakedRound() && liars[1].fakedRound());
                crossed |= liars[0].adaptedValue() || liars[1].adaptedValue();
            }
            if (s.model().name().equals("mlp") || s.model().name().equals("cnn")) {
                assertTrue(crossed, "the liar passed no final check: it never reached the checks it is meant to test");
            }
        });
    }

    /** The proof file's bytes: truncated, extended, non-canonical, header fields changed, every byte flipped. */
    @TestFactory
    Stream<DynamicTest> mutatedProofFiles() {
        return perSetting("mutated files", s -> {
            byte[] honest = ProofCodec.encode(Prover.prove(s.model(), s.inputs(), s.backend()));
            assertTrue(Verifier.verify(s.model(), s.inputs(), honest).accepted());
            MessageMap map = MessageMap.of(s);
            int header = ProofCodec.HEADER_BYTES;
            int elements = (honest.length - header) / Fp.BYTES;
            for (int cut = 0; cut < honest.length; cut++) {
                file("truncated file", s, Arrays.copyOf(honest, cut), new Expect(0, -1, -1, null, null), "cut at " + cut);
            }
            for (int k = 0; k < elements; k++) {
                // Cut inside the body with a consistent length field: shorter than the schedule, rejected before it is read.
                byte[] cut = withBodyLength(Arrays.copyOf(honest, header + k * Fp.BYTES), (long) k * Fp.BYTES);
                file("truncated body (length field consistent)", s, cut, Expect.layer(0, "proof body has " + k * Fp.BYTES + " bytes"), "element " + k);
                for (long bad : new long[] {Fp.P, Fp.P + Fp.read(honest, header + k * Fp.BYTES, "t"), -1L}) {
                    byte[] copy = honest.clone();
                    Fp.write(bad, copy, header + k * Fp.BYTES);
                    file("element >= p (incl. v + p aliases)", s, copy, Expect.layer(map.ofElement(k).readLayer(), "not a canonical field element"),
                            "element " + k + " = " + Long.toUnsignedString(bad));
                }
            }
            for (int i = header; i < honest.length; i++) {
                byte[] copy = honest.clone();
                copy[i] ^= (byte) (1 + i % 255);
                file("body byte flipped", s, copy, new Expect(byteFlipLayer(honest, copy, i, map), -1, -1, null, null), "byte " + i);
            }
            for (int extra = 1; extra <= 16; extra++) {
                file("trailing bytes", s, Arrays.copyOf(honest, honest.length + extra), Expect.layer(0, "trailing"), extra + " bytes");
            }
            byte[] covered = withBodyLength(Arrays.copyOf(honest, honest.length + 8), honest.length + 8 - header);
            file("trailing bytes", s, covered, Expect.layer(0, "proof body has " + (honest.length + 8 - header) + " bytes"), "inside the declared body");
            for (int version : new int[] {0, 1, 3, -1}) {
                byte[] copy = honest.clone();
                ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(8, version);
                file("wrong version", s, copy, Expect.layer(0, "version"), "version " + Integer.toUnsignedString(version));
            }
            for (int i = 0; i < 8; i++) {
                byte[] copy = honest.clone();
                copy[i] ^= 0x20;
                file("wrong magic", s, copy, Expect.layer(0, "magic"), "byte " + i);
            }
            for (int i = 12; i < 44; i++) {
                byte[] copy = honest.clone();
                copy[i] ^= 1;
                file("header: digest of another model", s, copy, Expect.layer(0, "different model"), "digest byte " + (i - 12));
            }
            for (int delta : new int[] {-1, 1}) {
                byte[] copy = honest.clone();
                ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(44, BATCH + delta);
                file("header: another batch size", s, copy, Expect.layer(0, "batch of " + (BATCH + delta)), "batch " + (BATCH + delta));
            }
            for (int field = 0; field < 6; field++) {
                byte[] copy = honest.clone();
                ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(48 + 4 * field, b.getInt(48 + 4 * field) + 1);
                file("header: other shapes", s, copy, Expect.layer(0, "do not match"), "shape field " + field);
            }
            for (long delta : new long[] {-8, -1, 1, 8}) {
                file("header: body length changed", s, withBodyLength(honest.clone(), honest.length - header + delta), Expect.layer(0, null),
                        "body length " + delta);
            }
        });
    }

    /** A flipped body byte is caught where its element is read if it made the element >= p, else where a changed value is. */
    private static int byteFlipLayer(byte[] honest, byte[] flipped, int at, MessageMap map) {
        int element = (at - ProofCodec.HEADER_BYTES) / Fp.BYTES;
        int offset = ProofCodec.HEADER_BYTES + element * Fp.BYTES;
        MessageMap.Message m = map.ofElement(element);
        return Fp.isCanonical(Fp.readWord(flipped, offset)) ? m.layer() : m.readLayer();
    }

    private static byte[] withBodyLength(byte[] file, long length) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, length);
        return file;
    }

    /**
     * The channel's counterparts of a malformed file: a value >= p on the wire, a hang-up before each message, a
     * message after the last, another label or length (a prover speaking another protocol version).
     */
    @TestFactory
    Stream<DynamicTest> malformedChannelMessages() {
        return perSetting("malformed channel", s -> {
            MessageMap map = MessageMap.of(s);
            for (MessageMap.Message m : map.messages()) {
                String at = "message " + m.index() + " '" + m.label() + "'";
                live("element >= p (incl. v + p aliases)", s, edit(m.index(), (label, honest) -> {
                    long[] values = honest.clone();
                    values[0] += Fp.P; // the same residue, not canonical
                    return new TamperingTranscript.Sent(label, values);
                }), Expect.layer(m.readLayer(), "not a canonical field element"), at);
                live("truncated: prover hangs up", s, edit(m.index(), (label, honest) -> {
                    throw new CheatingProver.HangUp();
                }), Expect.layer(m.readLayer(), "prover stopped before sending message '" + m.label() + "'"), at);
                live("another label (protocol confusion)", s, edit(m.index(), (label, honest) -> new TamperingTranscript.Sent(label + ".v2", honest)),
                        Expect.layer(m.readLayer(), "expected message"), at);
                live("another message length", s, edit(m.index(), (label, honest) -> new TamperingTranscript.Sent(label, Arrays.copyOf(honest, honest.length + 1))),
                        Expect.layer(m.readLayer(), "expected message"), at);
            }
            CheatingProver extra = (setting, channel) -> {
                CheatingProver.wrapping(t -> t).play(setting, channel);
                channel.message("extra", 1, new long[] {0});
            };
            live("trailing bytes", s, extra, Expect.layer(0, "after the last message"), "a message after the last");
        });
    }

    private static CheatingProver edit(int message, TamperingTranscript.Edit edit) {
        return CheatingProver.wrapping(t -> new TamperingTranscript(t, message, edit));
    }

    // ---- models a lazy host might run instead ----

    /** Every dense/conv layer's weights (or only the first layer's) rounded to even integers; null if nothing changes. */
    private static Model mapWeights(Model model, boolean everyLayer) {
        List<Layer> layers = new ArrayList<>(model.layers());
        boolean changed = false;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            long[] w = layer instanceof Dense d ? d.weights() : layer instanceof Conv2d c ? c.weights() : null;
            if (w == null) continue;
            long[] even = w.clone();
            for (int j = 0; j < even.length; j++) even[j] = 2 * Math.round(even[j] / 2.0);
            changed |= !Arrays.equals(w, even);
            if (layer instanceof Dense d) layers.set(i, new Dense(d.outputs(), d.inputs(), even, d.bias(), d.weightScale()));
            else if (layer instanceof Conv2d c) layers.set(i, new Conv2d(c.outChannels(), c.inChannels(), c.kernel(), c.stride(), c.padding(), even, c.bias(), c.weightScale()));
            if (!everyLayer) break;
        }
        return changed ? new Model(model.name(), model.input(), model.inputMin(), model.inputMax(), model.inputScale(), layers) : null;
    }

    private static Model withoutFirstSquare(Model model) {
        List<Layer> layers = new ArrayList<>(model.layers());
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Square) {
                layers.remove(i);
                return new Model(model.name(), model.input(), model.inputMin(), model.inputMax(), model.inputScale(), layers);
            }
        }
        return null;
    }

    private static boolean fewerLayers(Model a, Model b) {
        return a.layers().size() != b.layers().size();
    }

    /** The 1-based index of the last layer (counting from the input) whose parameters differ, 0 if none. */
    private static int firstDifferingLayer(Model a, Model b) {
        if (fewerLayers(a, b)) return -1;
        for (int i = a.layers().size() - 1; i >= 0; i--) {
            if (!sameParameters(a.layers().get(i), b.layers().get(i))) return i + 1;
        }
        return 0;
    }

    private static boolean sameParameters(Layer x, Layer y) {
        if (x instanceof Dense a && y instanceof Dense b) return Arrays.equals(a.weights(), b.weights()) && Arrays.equals(a.bias(), b.bias());
        if (x instanceof Conv2d a && y instanceof Conv2d b) return Arrays.equals(a.weights(), b.weights()) && Arrays.equals(a.bias(), b.bias());
        return x.equals(y);
    }
}
