package dev.gort.examples.net;

import dev.gort.Go;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 10,000 sockets on a few Ms: a loopback echo server with a goroutine per connection, and 5,000
 * client goroutines, all connected at once (5,000 client plus 5,000 server sockets). Blocked
 * socket reads park the goroutine, not the M, as with Go's netpoller.
 */
public final class EchoSockets {
    private EchoSockets() {}

    public static void main(String[] args) throws Exception {
        show();
    }

    public static void show() throws Exception {
        int clients = 5_000;
        try (ServerSocket ss = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
            Go.go(() -> {
                for (;;) {
                    Socket s;
                    try {
                        s = ss.accept();
                    } catch (IOException e) {
                        return;
                    }
                    Go.go(() -> echo(s));
                }
            });
            AtomicInteger ok = new AtomicInteger();
            CountDownLatch connected = new CountDownLatch(clients), done = new CountDownLatch(clients);
            String[] midway = new String[1];
            for (int i = 0; i < clients; i++) {
                int id = i;
                Go.go(() -> {
                    byte[] msg = ("hello from client " + id).getBytes();
                    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                        connected.countDown();
                        connected.await();
                        if (id == 0) {
                            midway[0] = Go.schedtrace(false);
                        }
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write(msg);
                        if (Arrays.equals(msg, in.readNBytes(msg.length))) {
                            ok.incrementAndGet();
                        }
                    } catch (Exception e) {
                        connected.countDown();
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            System.out.print("  with all sockets open: " + midway[0]);
            System.out.printf("  %d of %d clients got their echo; %d goroutines ran on %s Ms (carrier threads)%n",
                    ok.get(), clients, 2 * clients, threads(midway[0]));
        }
    }

    private static String threads(String schedtrace) {
        int i = schedtrace.indexOf("threads=");
        return i < 0 ? "?" : schedtrace.substring(i + 8, schedtrace.indexOf(' ', i));
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[256];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }
}
