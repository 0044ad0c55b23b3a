package dev.p2p.quic.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy that holds each new connection for a while before it connects it upstream: a
 * relay whose logins are slow. With no upstream it accepts and never answers (a blackholed relay).
 * A test double: it exists only in test code.
 */
final class DelayingTcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** {@code upstream} null: accept and stay silent. */
  DelayingTcpProxy(InetSocketAddress upstream, Duration delay) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket client = server.accept();
                  sockets.add(client);
                  if (upstream != null) {
                    daemon(() -> connectLater(client, upstream, delay)).start();
                  }
                } catch (IOException e) {
                  return; // closed
                }
              }
            },
            "delaying-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The proxy as a relay URL ({@code http://127.0.0.1:port}). */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  private void connectLater(Socket client, InetSocketAddress upstream, Duration delay) {
    try {
      Thread.sleep(delay.toMillis()); // real time: a slow relay, not a virtual clock
      Socket up = new Socket(upstream.getAddress(), upstream.getPort());
      sockets.add(up);
      daemon(() -> pump(client, up)).start();
      pump(up, client);
    } catch (IOException | InterruptedException e) {
      // the test ended or a side closed
    }
  }

  private static void pump(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // a side closed
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "delaying-proxy-pump");
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
