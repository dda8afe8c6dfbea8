package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bytes of a loopback connection that sit in the kernel, as Linux reports them: for TCP,
 * {@code /proc/net/tcp}'s {@code tx_queue} (sent, not yet acknowledged) and {@code rx_queue}
 * (received, not yet read); for a Unix stream socket, whose bytes wait in the receiver's queue
 * only, the {@code Recv-Q} that {@code ss -x} reports. What a writer has written, less these, is
 * what the reading process has taken out of the kernel.
 */
final class KernelQueues {

    static final Duration WAIT = Duration.ofSeconds(10);

    private KernelQueues() {
    }

    /** Whether {@code ss} (iproute2) is there, which {@link #unixUnread(long)} needs. */
    static boolean hasSs() {
        return CProgram.onPath("ss");
    }

    /**
     * The bytes of the loopback connection from port {@code writer} to port {@code reader} held in
     * the kernel: the writer socket's unacknowledged bytes plus the reader socket's unread ones.
     * Both {@code /proc/net/tcp} and {@code tcp6} are read: Netty's native sockets are IPv6 ones,
     * so a server bound to 127.0.0.1 is listed as {@code ::ffff:127.0.0.1}. Fails when either
     * socket is not listed.
     */
    static long tcpInFlight(int writer, int reader) {
        List<String> lines = new ArrayList<>();
        try {
            lines.addAll(Files.readAllLines(Path.of("/proc/net/tcp")));
            lines.addAll(Files.readAllLines(Path.of("/proc/net/tcp6")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // "  3: 0100007F:A1B2 0100007F:1F90 01 0000A000:00000000 ...": local, remote, state, tx:rx, in hex
        String w = String.format(Locale.ROOT, "%04X", writer);
        String r = String.format(Locale.ROOT, "%04X", reader);
        long unacknowledged = -1;
        long unread = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || !f[0].endsWith(":") || !loopback(f[1]) || !loopback(f[2])) { // not the heading
                continue;
            }
            String[] queues = f[4].split(":");
            if (port(f[1]).equals(w) && port(f[2]).equals(r)) {
                unacknowledged = Long.parseLong(queues[0], 16);
            } else if (port(f[1]).equals(r) && port(f[2]).equals(w)) {
                unread = Long.parseLong(queues[1], 16);
            }
        }
        if (unacknowledged < 0 || unread < 0) {
            throw new AssertionError("/proc/net/tcp and tcp6 do not list both ends of the loopback connection from port "
                    + writer + " to port " + reader);
        }
        return unacknowledged + unread;
    }

    /** 127.0.0.1 as /proc/net/tcp writes it, or as tcp6 writes ::ffff:127.0.0.1. */
    private static boolean loopback(String address) {
        String host = address.substring(0, address.indexOf(':'));
        return host.equals("0100007F") || host.equals("0000000000000000FFFF00000100007F");
    }

    private static String port(String address) {
        return address.substring(address.indexOf(':') + 1);
    }

    /**
     * The unread bytes in the receive queue of the Unix stream socket connected to the socket of
     * inode {@code peerInode} ({@code ss -x -n}: the line whose peer is {@code * <peerInode>}).
     */
    static long unixUnread(long peerInode) {
        ChildProcess ss = ChildProcess.command("ss", "-x", "-n").stdin(Stdio.discard()).start().block(WAIT);
        try {
            List<String> lines = ss.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
            // "u_str ESTAB 233152 0 /tmp/x/s.sock 610523 * 610522": Netid State Recv-Q Send-Q Local Port Peer Port
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && f[0].equals("u_str") && f[6].equals("*") && f[7].equals(Long.toString(peerInode))) {
                    return Long.parseLong(f[2]);
                }
            }
            throw new AssertionError("ss -x lists no socket whose peer is inode " + peerInode + ": " + lines);
        } finally {
            ss.dispose();
        }
    }
}
