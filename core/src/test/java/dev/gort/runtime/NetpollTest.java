package dev.gort.runtime;

import dev.gort.Go;
import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Goroutines blocked on JDK sockets park without holding an M (issue 5): 10,000 concurrent client
 * goroutines at GOMAXPROCS=2 against a loopback echo server (in a child JVM, so the two sides do
 * not share one file-descriptor limit). Every byte comes back, and the M count stays small.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetpollTest {
    @Test
    void tenThousandEchoClientsOnAFewMs() throws Exception {
        int clients = 10_000;
        Process server = ChildJvm.builder(true, List.of("-Xss512k"), "dev.gort.runtime.prog.EchoServer")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int old = Go.gomaxprocs(2);
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream()));
            int port = Integer.parseInt(r.readLine().trim());
            int mBefore = Proc.mcount;
            AtomicInteger ok = new AtomicInteger(), maxM = new AtomicInteger();
            AtomicLong bytes = new AtomicLong();
            CountDownLatch connected = new CountDownLatch(clients), done = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                int id = i;
                Go.go(() -> {
                    byte[] msg = ("client " + id + " says hello over loopback").getBytes();
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        connected.countDown();
                        connected.await(); // all 10,000 connections open at once
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write(msg);
                        byte[] back = in.readNBytes(msg.length);
                        if (Arrays.equals(msg, back)) {
                            ok.incrementAndGet();
                            bytes.addAndGet(back.length);
                        }
                        maxM.accumulateAndGet(Proc.mcount, Math::max);
                    } catch (Exception e) {
                        System.err.println("client " + id + ": " + e);
                        connected.countDown();
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertTrue(done.await(100, TimeUnit.SECONDS), "clients did not finish");
            assertEquals(clients, ok.get(), "every client got its bytes back");
            System.out.printf("NetpollTest: %d clients, %d bytes echoed, Ms before %d, max during %d%n",
                    clients, bytes.get(), mBefore, maxM.get());
            assertTrue(maxM.get() <= 32,
                    "10,000 blocked sockets must not cost an M each: " + mBefore + " -> " + maxM.get() + " Ms");
        } finally {
            Go.gomaxprocs(old);
            server.getOutputStream().close();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }
}
