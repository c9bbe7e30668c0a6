package org.safetynets.service;

import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.IpcOption;

/**
 * A host's stream listener that forwards everything to the real one: the tests' misbehaving hosts
 * ({@link TamperingHost}, {@link MisbehavingHostTest}) override what they do differently.
 */
class ForwardingListener implements FlightProducer.ServerStreamListener {
    final FlightProducer.ServerStreamListener inner;
    /** The root the host started the stream with, once it has. */
    VectorSchemaRoot root;

    ForwardingListener(FlightProducer.ServerStreamListener inner) {
        this.inner = inner;
    }

    @Override
    public boolean isCancelled() {
        return inner.isCancelled();
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
        inner.setOnCancelHandler(handler);
    }

    @Override
    public boolean isReady() {
        return inner.isReady();
    }

    @Override
    public void start(VectorSchemaRoot root, DictionaryProvider dictionaries, IpcOption option) {
        this.root = root;
        inner.start(root, dictionaries, option);
    }

    @Override
    public void putNext() {
        inner.putNext();
    }

    @Override
    public void putNext(ArrowBuf metadata) {
        inner.putNext(metadata);
    }

    @Override
    public void putMetadata(ArrowBuf metadata) {
        inner.putMetadata(metadata);
    }

    @Override
    public void error(Throwable error) {
        inner.error(error);
    }

    @Override
    public void completed() {
        inner.completed();
    }

    @Override
    public void setUseZeroCopy(boolean enabled) {
        inner.setUseZeroCopy(enabled);
    }
}
