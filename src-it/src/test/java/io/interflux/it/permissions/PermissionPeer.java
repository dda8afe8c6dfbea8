package io.interflux.it.permissions;

import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.IpcException;
import io.interflux.fifo.Fifo;
import io.interflux.it.support.UnprivilegedJvm;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import reactor.core.publisher.Flux;

import java.time.Duration;

/**
 * The peer of {@link PermissionModelIT}, run in a child JVM as nobody, using Interflux's public API:
 *
 * <pre>
 * fifo-read PATH             prints every line read from the existing FIFO PATH until its writers are gone
 * queue-send NAME COUNT      opens the existing queue NAME send-only and sends COUNT messages {@link #message(int)}
 * queue-open-default NAME    opens the existing queue NAME with the default access (send and receive)
 * </pre>
 *
 * It first prints {@code identity <credentials>} ({@link UnprivilegedJvm#identity()}) to stderr. It
 * exits with {@link #EXIT_OK} when done, {@link #EXIT_IPC_EXCEPTION} after printing the message of
 * an {@link IpcException} to stdout, {@link #EXIT_USAGE} on bad arguments and
 * {@link #EXIT_FAILED} on any other failure, including a wait that took longer than {@link #WAIT}.
 */
public final class PermissionPeer {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_IPC_EXCEPTION = 3;

    /** The longest any step of the peer waits. */
    static final Duration WAIT = Duration.ofSeconds(30);

    static final String IDENTITY = "identity ";

    private PermissionPeer() {
    }

    /** The {@code i}th message {@code queue-send} sends. */
    static String message(int i) {
        return "message " + i + " from nobody";
    }

    public static void main(String[] args) {
        System.err.println(IDENTITY + UnprivilegedJvm.identity());
        int code;
        try {
            code = run(args);
        } catch (IpcException e) {
            System.out.println(e.getMessage());
            code = EXIT_IPC_EXCEPTION;
        } catch (Throwable e) {
            e.printStackTrace();
            code = EXIT_FAILED;
        }
        System.out.flush();
        System.err.flush();
        // the event loop's threads would keep the JVM alive
        System.exit(code);
    }

    private static int run(String[] args) {
        String mode = args.length == 0 ? "" : args[0];
        switch (mode) {
            case "fifo-read":
                if (args.length != 2) {
                    return usage();
                }
                Fifo.at(args[1]).codec(Codec.utf8()).creation(Creation.OPEN_EXISTING).receive()
                        .doOnNext(System.out::println)
                        .blockLast(WAIT);
                return EXIT_OK;
            case "queue-send": {
                if (args.length != 3) {
                    return usage();
                }
                PosixQueue queue = PosixQueue.named(args[1]).access(Access.SEND).creation(Creation.OPEN_EXISTING)
                        .openNow(WAIT);
                try {
                    queue.send(Flux.range(0, Integer.parseInt(args[2])).map(PermissionPeer::message), Codec.utf8())
                            .block(WAIT);
                } finally {
                    queue.dispose();
                    queue.onDispose().block(WAIT);
                }
                return EXIT_OK;
            }
            case "queue-open-default": {
                if (args.length != 2) {
                    return usage();
                }
                PosixQueue queue = PosixQueue.named(args[1]).creation(Creation.OPEN_EXISTING).openNow(WAIT);
                System.out.println("opened " + queue);
                queue.dispose();
                queue.onDispose().block(WAIT);
                return EXIT_OK;
            }
            default:
                return usage();
        }
    }

    private static int usage() {
        System.err.println("usage: PermissionPeer fifo-read PATH | queue-send NAME COUNT | queue-open-default NAME");
        return EXIT_USAGE;
    }
}
