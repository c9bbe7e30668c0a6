package org.safetynets.proof;

import org.safetynets.Limits;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a prover or verifier of one model can do once for many batches ({@link Prover.Prepared},
 * {@link Verifier.Prepared}): a private copy of the model (encoded, then decoded, so that the caller changing its
 * model afterwards cannot make the digest stale), the digest proofs bind (SHA-256 of the encoding: 96 MB for the
 * TIMIT network), and the compiled network of the last {@value #NETWORKS_KEPT} batch sizes (each layer's protocol;
 * they share the value-bounds analysis and, once a prover has used them, the dense layers' padded weight matrices,
 * about 100 MiB for TIMIT, held once per model). Safe for concurrent use.
 */
final class PreparedModel {
    static final int NETWORKS_KEPT = 4;

    final Model model;
    final byte[] digest;
    /** The limits the model was decoded under, and every batch is held to. */
    final Limits limits;
    private final Map<Integer, Network> networks = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Network> eldest) {
            return size() > NETWORKS_KEPT;
        }
    };

    private PreparedModel(Model model, byte[] digest, Limits limits) {
        this.model = model;
        this.digest = digest;
        this.limits = limits;
    }

    /** @throws org.safetynets.MalformedInput if the model would not decode under {@code limits} (named as {@code role}) */
    static PreparedModel of(Model model, Limits limits, String role) {
        byte[] encoded = ModelCodec.encode(model);
        return new PreparedModel(ModelCodec.decode(encoded, role, limits), ModelCodec.digestOfEncoding(encoded), limits);
    }

    /** The network for this batch size, compiled the first time (or again, once it has dropped out of the last few). */
    Network network(int batch) {
        Network sameModel;
        synchronized (networks) {
            Network known = networks.get(batch);
            if (known != null) return known;
            sameModel = networks.isEmpty() ? null : networks.values().iterator().next();
        }
        Network compiled = Network.compile(model, batch, sameModel); // outside the lock: compiling TIMIT's takes 0.1 s
        synchronized (networks) {
            Network raced = networks.putIfAbsent(batch, compiled);
            return raced != null ? raced : compiled;
        }
    }
}
