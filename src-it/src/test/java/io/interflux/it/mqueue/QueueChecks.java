package io.interflux.it.mqueue;

import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Unique names, existence checks and the C peer's source for the queue integration tests. */
final class QueueChecks {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private QueueChecks() {
    }

    static String uniqueName() {
        return "/ifx-it-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    static boolean posixExists(String name) {
        int mqd = QueueCalls.lib().mq_open(name, Native.O_RDONLY | Native.O_NONBLOCK, 0, 0);
        if (mqd >= 0) {
            QueueCalls.lib().mq_close(mqd);
            return true;
        }
        return false;
    }

    static void posixUnlink(String name) {
        QueueCalls.lib().mq_unlink(name);
    }

    static boolean sysvExists(int id) {
        ByteBuffer ds = ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE);
        return QueueCalls.lib().msgctl(id, QueueCalls.IPC_STAT, Native.address(ds)) == 0;
    }

    static void sysvRemove(int id) {
        QueueCalls.lib().msgctl(id, QueueCalls.IPC_RMID, 0);
    }

    static String cPeerSource() {
        try (InputStream in = QueueChecks.class.getResourceAsStream("queue_peer.c")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
