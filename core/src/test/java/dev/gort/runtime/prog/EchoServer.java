package dev.gort.runtime.prog;

import dev.gort.Go;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A loopback TCP echo server, one goroutine per connection. Prints its port, then serves until its
 * standard input closes. Run in its own JVM so that the server's sockets and the clients' do not
 * share one process's file-descriptor limit.
 */
public final class EchoServer {
    public static void main(String[] args) throws Exception {
        Go.gomaxprocs(2);
        ServerSocket ss = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
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
        System.out.println(ss.getLocalPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the parent closes our stdin
        }
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[512];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // a client that went away
        }
    }
}
