package io.interflux;

/**
 * A byte stream ended inside a frame: the writer closed (or died) before the frame was complete.
 *
 * <p>Raised at end of stream by a length-prefixed framing, and by a line or delimiter framing in
 * its {@linkplain Framing#strict() strict} form. The bytes left over are not delivered.
 */
public class TruncatedFrameException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    private final long bytesLeft;
    private final long frameSize;

    /**
     * @param what      the kind of frame, {@code "length-prefixed frame"}
     * @param object    the stream, {@code "FIFO /run/app/inbox"}, or {@code null}
     * @param bytesLeft bytes of the incomplete frame that did arrive, framing included
     * @param frameSize bytes the whole frame would have had, framing included, or -1 when unknown
     */
    public TruncatedFrameException(String what, String object, long bytesLeft, long frameSize) {
        super((object == null ? "the stream" : object) + " ended inside a " + what + ": " + bytesLeft
                + (bytesLeft == 1 ? " byte" : " bytes") + " left over"
                + (frameSize >= 0 ? " of a frame of " + frameSize + " bytes" : ""), object);
        this.bytesLeft = bytesLeft;
        this.frameSize = frameSize;
    }

    /** How many bytes of the incomplete frame arrived, its framing included. */
    public long bytesLeft() {
        return bytesLeft;
    }

    /** How many bytes the whole frame would have had, framing included; -1 when the framing cannot tell. */
    public long frameSize() {
        return frameSize;
    }
}
