package org.safetynets.service;

import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A cheating host for tests: an honest {@link ProverHost} behind a producer that changes what goes on the wire,
 * as a host modified by its operator (or a machine in between) would. The shipped host has no cheating path; the
 * lies live here, at the only place a real cheat can put them: the bytes the client receives.
 */
final class TamperingHost extends NoOpFlightProducer {
    /** What to change in the host's messages; each default passes them on unchanged. */
    interface Tamper {
        /** The outputs batch, as the host is about to send it (both modes): change its values in place. */
        default void outputs(VectorSchemaRoot outputs) {
        }

        /** A metadata frame (proof chunks, round messages, the end) as the host is about to send it. */
        default Frame frame(Frame frame) {
            return frame;
        }
    }

    private final FlightProducer honest;
    private final Tamper tamper;

    TamperingHost(FlightProducer honest, Tamper tamper) {
        this.honest = honest;
        this.tamper = tamper;
    }

    @Override
    public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
        honest.doExchange(context, reader, new Listener(writer));
    }

    @Override
    public void listActions(CallContext context, StreamListener<ActionType> listener) {
        honest.listActions(context, listener);
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
        honest.doAction(context, action, listener);
    }

    /** Forwards everything, passing the outputs batch and each frame through the tamper on the way. */
    private final class Listener extends ForwardingListener {
        private boolean outputsSent;

        Listener(ServerStreamListener inner) {
            super(inner);
        }

        @Override
        public void putNext() {
            beforeBatch();
            inner.putNext();
        }

        @Override
        public void putNext(ArrowBuf metadata) {
            beforeBatch();
            inner.putNext(changed(metadata));
        }

        @Override
        public void putMetadata(ArrowBuf metadata) {
            inner.putMetadata(changed(metadata));
        }

        private void beforeBatch() {
            if (!outputsSent && root != null && root.getRowCount() > 0) {
                outputsSent = true; // the first batch the host sends is its outputs
                tamper.outputs(root);
            }
        }

        private ArrowBuf changed(ArrowBuf metadata) {
            Frame frame = Frame.read(metadata, "host");
            Frame sent = tamper.frame(frame);
            if (sent == frame) return metadata;
            BufferAllocator allocator = metadata.getReferenceManager().getAllocator();
            metadata.close();
            return sent.toBuffer(allocator);
        }
    }
}
