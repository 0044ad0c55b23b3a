package dev.p2p.quic.internal;

import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells "nothing listens there" from "no answer yet" during a dial. The provider's socket is not
 * connected, so the kernel drops the ICMP port-unreachable a closed port answers with; a connected
 * socket per target address sees it. One byte goes to each address (a QUIC endpoint drops it as
 * junk), and the probe looks for the error a few times while the dial runs. Where ICMP is filtered
 * the dial simply runs into its timeout.
 */
final class PortProbe {
  private static final Logger log = LoggerFactory.getLogger(PortProbe.class);
  private static final long[] CHECK_AFTER_MS = {50, 200, 600};

  private final List<DatagramChannel> channels = new ArrayList<>();
  private final List<InetSocketAddress> unreachable = new ArrayList<>();
  private final int targets;
  private boolean done;

  private PortProbe(int targets) {
    this.targets = targets;
  }

  /**
   * Probes {@code addresses}; calls {@code allUnreachable} on the loop if every one of them says
   * nothing listens. {@link #stop} releases the sockets.
   */
  static PortProbe start(
      EventLoop loop, List<InetSocketAddress> addresses, Consumer<String> allUnreachable) {
    PortProbe probe = new PortProbe(addresses.size());
    for (InetSocketAddress a : addresses) {
      try {
        DatagramChannel ch = DatagramChannel.open();
        ch.configureBlocking(false);
        ch.connect(a);
        ch.write(ByteBuffer.wrap(new byte[1]));
        probe.channels.add(ch);
      } catch (IOException e) {
        log.debug("cannot probe {}", a, e);
      }
    }
    for (long ms : CHECK_AFTER_MS) {
      loop.schedule(() -> probe.check(allUnreachable), ms, TimeUnit.MILLISECONDS);
    }
    return probe;
  }

  private void check(Consumer<String> allUnreachable) {
    if (done) {
      return;
    }
    for (DatagramChannel ch : channels) {
      try {
        InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
        if (!unreachable.contains(remote)) {
          ch.read(ByteBuffer.allocate(16));
        }
      } catch (PortUnreachableException e) {
        try {
          unreachable.add((InetSocketAddress) ch.getRemoteAddress());
        } catch (IOException ignored) {
          // closed meanwhile
        }
      } catch (IOException e) {
        log.debug("probe read failed", e);
      }
    }
    if (targets > 0 && unreachable.size() == targets) {
      stop();
      allUnreachable.accept(
          "nothing listens at "
              + (targets == 1 ? unreachable.get(0) : unreachable)
              + " (port unreachable); is the peer running and listening there?");
    }
  }

  /** Loop. */
  void stop() {
    done = true;
    for (DatagramChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing to release
      }
    }
    channels.clear();
  }
}
