package org.safetynets.service;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyServerBuilder;
import org.apache.arrow.flight.FlightServer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Consumer;

/**
 * Each call's remote address (the client's IP and port) for the host's log line. Flight's {@code CallContext}
 * gives the authenticated identity only, so a gRPC interceptor puts the transport's remote address into the gRPC
 * {@link Context} of the call; Flight runs the producer under that context, where {@link #current()} reads it.
 * (A Flight middleware cannot carry it: Flight's own interceptor, which creates the middleware, runs before any
 * interceptor added to the server builder.)
 */
final class PeerAddress {
    private static final Context.Key<String> REMOTE = Context.key("safetynets.remote-address");

    private PeerAddress() {
    }

    /** Installs the interceptor on a Flight server being built. */
    static void install(FlightServer.Builder builder) {
        ServerInterceptor remote = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                String address = describe(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                return Contexts.interceptCall(Context.current().withValue(REMOTE, address), call, headers, next);
            }
        };
        Consumer<NettyServerBuilder> addInterceptor = netty -> netty.intercept(remote);
        builder.transportHint("grpc.builderConsumer", addInterceptor);
    }

    /** The remote address of the call this thread serves (HOST:PORT, [IPv6]:PORT), or "unknown". */
    static String current() {
        String address = REMOTE.get();
        return address == null ? "unknown" : address;
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address == null ? "unknown" : address.toString();
    }
}
