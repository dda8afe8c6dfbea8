package io.interflux.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The other process of every socket a {@link SocketGroup} measures: it connects to the group's
 * servers, one connection per command, and sends or echoes. It says {@code ready}, then runs one
 * command per line of stdin and answers {@code ok} once its connection is closed (or
 * {@code error: ...}):
 *
 * <pre>
 *  send IMPL WORK ADDRESS N   connects to ADDRESS, sends N payloads of WORK (chunks: 64 KiB, frames: 64 B), closes
 *  echo IMPL ADDRESS          connects to ADDRESS and sends back every 64-byte frame until the other end closes
 * </pre>
 *
 * IMPL is {@code interflux}, {@code reactor-netty} or {@code jdk} ({@link InterfluxSocket},
 * {@link NettySocket}, {@link JdkSocket}); ADDRESS is {@code unix:PATH} or {@code tcp:PORT}. It
 * ends at the end of stdin, and when its parent dies.
 */
public final class SocketPeer {

    private SocketPeer() {
    }

    public static void main(String[] args) throws Exception {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            try {
                run(line.trim().split(" "));
                System.out.println("ok");
            } catch (Exception | Error e) {
                System.out.println("error: " + e);
            }
        }
    }

    private static void run(String[] cmd) throws Exception {
        switch (cmd[0]) {
            case "send": {
                SocketEnd.Work work = SocketEnd.Work.valueOf(cmd[2].toUpperCase(Locale.ROOT));
                SocketEnd.Address to = SocketEnd.Address.parse(cmd[3]);
                int count = Integer.parseInt(cmd[4]);
                switch (cmd[1]) {
                    case "interflux":
                        InterfluxSocket.send(to, work, count);
                        break;
                    case "reactor-netty":
                        NettySocket.send(to, work, count);
                        break;
                    case "jdk":
                        JdkSocket.send(to, work, count);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown implementation " + cmd[1]);
                }
                break;
            }
            case "echo": {
                SocketEnd.Address to = SocketEnd.Address.parse(cmd[2]);
                switch (cmd[1]) {
                    case "interflux":
                        InterfluxSocket.echo(to);
                        break;
                    case "reactor-netty":
                        NettySocket.echo(to);
                        break;
                    case "jdk":
                        JdkSocket.echo(to);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown implementation " + cmd[1]);
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unknown command " + String.join(" ", cmd));
        }
    }
}
