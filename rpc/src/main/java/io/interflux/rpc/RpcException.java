package io.interflux.rpc;

import io.interflux.InterfluxException;

/**
 * An RPC failure with its RSocket error code: an error the remote handler raised
 * ({@link #APPLICATION_ERROR}, with the remote message), a call the peer refused ({@link #REJECTED},
 * {@link #INVALID}, {@link #CANCELED}), or the end of the connection every call in flight hears
 * ({@link #CONNECTION_CLOSE}, {@link #CONNECTION_ERROR}: the peer died, went silent past the
 * keepalive lifetime, or broke the protocol).
 *
 * <pre>{@code
 * connection.requestResponse("divide", Payload.of("1/0"))
 *     .onErrorResume(RpcException.class, e -> e.code() == RpcException.APPLICATION_ERROR
 *             ? Mono.just(Payload.of("remote said: " + e.remoteMessage())) : Mono.error(e));
 * }</pre>
 */
public class RpcException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    /** The SETUP frame was invalid (connection). */
    public static final int INVALID_SETUP = 0x001;
    /** A SETUP parameter is not supported, such as leases or resumption (connection). */
    public static final int UNSUPPORTED_SETUP = 0x002;
    /** The server refused the SETUP (connection). */
    public static final int REJECTED_SETUP = 0x003;
    /** Resumption was refused (connection). */
    public static final int REJECTED_RESUME = 0x004;
    /** The connection is being torn down for an error: protocol, keepalive, transport. */
    public static final int CONNECTION_ERROR = 0x101;
    /** The connection is being closed. */
    public static final int CONNECTION_CLOSE = 0x102;
    /** The remote handler failed; the message is its error's. */
    public static final int APPLICATION_ERROR = 0x201;
    /** The responder refused the request before handling it; it may be retried. */
    public static final int REJECTED = 0x202;
    /** The responder canceled the request. */
    public static final int CANCELED = 0x203;
    /** The request is invalid: an unknown route, a payload the handler cannot decode. */
    public static final int INVALID = 0x204;

    private final int code;
    private final String remoteMessage;

    /**
     * @param code          the RSocket error code
     * @param remoteMessage the message as the wire carries it (the remote error's, or ours to send)
     * @param message       the whole message, naming the connection and the route
     * @param object        the connection, for {@link #object()}
     */
    public RpcException(int code, String remoteMessage, String message, String object) {
        super(message, object);
        this.code = code;
        this.remoteMessage = remoteMessage;
    }

    /** The RSocket error code: {@link #APPLICATION_ERROR}, {@link #CONNECTION_CLOSE}, ... */
    public int code() {
        return code;
    }

    /** The error message as it crossed the wire, without the connection and route this message adds. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The name of an RSocket error code: {@code "APPLICATION_ERROR"}, or its hex value when unknown. */
    public static String codeName(int code) {
        switch (code) {
            case INVALID_SETUP: return "INVALID_SETUP";
            case UNSUPPORTED_SETUP: return "UNSUPPORTED_SETUP";
            case REJECTED_SETUP: return "REJECTED_SETUP";
            case REJECTED_RESUME: return "REJECTED_RESUME";
            case CONNECTION_ERROR: return "CONNECTION_ERROR";
            case CONNECTION_CLOSE: return "CONNECTION_CLOSE";
            case APPLICATION_ERROR: return "APPLICATION_ERROR";
            case REJECTED: return "REJECTED";
            case CANCELED: return "CANCELED";
            case INVALID: return "INVALID";
            default: return "0x" + Integer.toHexString(code);
        }
    }
}
