package dev.p2p.relay.lab;

import dev.p2p.relay.internal.stun.BindingResult;
import dev.p2p.relay.internal.stun.DatagramIo;
import dev.p2p.relay.internal.stun.StunRound;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Child process on a lab host: plain-UDP hole punching, the reference the QUIC provider's punching
 * will be measured against. Commands on standard input, answers on standard output:
 *
 * <pre>
 *   STUN pair ip:port   -> CAND pair ip:port    (a socket for the pair, and its reflexive address)
 *   PEER pair ip:port   -> RESULT pair DIRECT ip:port in N ms | RESULT pair FAILED
 *   HARD pair ip:port   -> OPENED pair, then RESULT ...   (birthday punching, the hard side)
 *   EASY pair ip:port   -> RESULT ...                    (birthday punching, probes to ip)
 * </pre>
 *
 * Punching: every 50 ms, a PUNCH to each known address of the peer (its reflexive address, and any
 * address a PUNCH came from: ICE's triggered check); a PUNCH is answered with an ACK to its source;
 * an ACK means the direct path works both ways. Gives up after 3 s. Exits on end of input.
 */
public final class LabPunchAgent {
  private static final Map<String, DatagramChannel> SOCKETS = new ConcurrentHashMap<>();

  /**
   * How long a STUN round may take: its retransmissions answer in milliseconds on the lab's links,
   * but with a dozen child JVMs starting on two busy vCPUs 3 s was seen to pass unanswered. Below
   * the tests' 20 s wait for the answer line.
   */
  private static final Duration STUN_WAIT = Duration.ofSeconds(10);

  public static void main(String[] args) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.strip().split(" ");
      if (f.length != 3) {
        continue;
      }
      String pair = f[1];
      InetSocketAddress addr = parse(f[2]);
      switch (f[0]) {
        case "STUN" -> {
          DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(0));
          SOCKETS.put(pair, ch);
          List<BindingResult> r = StunRound.run(DatagramIo.of(ch), List.of(addr), STUN_WAIT);
          print("CAND " + pair + " " + r.get(0).reflexive().map(LabPunchAgent::text).orElse("-"));
        }
        case "PEER" -> background(pair, () -> punch(pair, SOCKETS.get(pair).socket(), addr));
        case "HARD" ->
            background(
                pair,
                () -> {
                  try {
                    return BirthdayPunch.hard(pair, addr, () -> print("OPENED " + pair));
                  } catch (Exception e) {
                    return "FAILED " + e;
                  }
                });
        case "EASY" ->
            background(
                pair,
                () -> {
                  try {
                    return BirthdayPunch.easy(pair, SOCKETS.get(pair), addr.getAddress());
                  } catch (Exception e) {
                    return "FAILED " + e;
                  }
                });
        default -> print("UNKNOWN " + line);
      }
    }
  }

  private static void background(String pair, java.util.function.Supplier<String> task) {
    Thread t = new Thread(() -> print("RESULT " + pair + " " + task.get()), "punch-" + pair);
    t.setDaemon(true);
    t.start();
  }

  private static String punch(String pair, DatagramSocket s, InetSocketAddress peer) {
    byte[] punch = ("PUNCH " + pair).getBytes(StandardCharsets.US_ASCII);
    byte[] ack = ("ACK " + pair).getBytes(StandardCharsets.US_ASCII);
    Set<InetSocketAddress> targets = ConcurrentHashMap.newKeySet();
    targets.add(peer);
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(3).toNanos();
    long nextSend = 0;
    String result = "FAILED";
    try {
      s.setSoTimeout(10);
      DatagramPacket p = new DatagramPacket(new byte[100], 100);
      while (System.nanoTime() < deadline) {
        if (System.nanoTime() >= nextSend) {
          for (InetSocketAddress t : targets) {
            s.send(new DatagramPacket(punch, punch.length, t));
          }
          nextSend = System.nanoTime() + 50_000_000L;
        }
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        String msg = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
        InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
        if (msg.equals("PUNCH " + pair)) {
          targets.add(from);
          s.send(new DatagramPacket(ack, ack.length, from));
        } else if (msg.equals("ACK " + pair)) {
          result =
              "DIRECT " + text(from) + " in " + (System.nanoTime() - start) / 1_000_000 + " ms";
          // Keep answering a little, so the peer's last PUNCH gets its ACK too.
          long linger = System.nanoTime() + 500_000_000L;
          while (System.nanoTime() < linger) {
            try {
              s.receive(p);
              if (new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)
                  .equals("PUNCH " + pair)) {
                s.send(new DatagramPacket(ack, ack.length, p.getSocketAddress()));
              }
            } catch (SocketTimeoutException e) {
              // keep lingering
            }
          }
          break;
        }
      }
    } catch (Exception e) {
      result = "FAILED " + e;
    }
    return result;
  }

  private static synchronized void print(String s) {
    System.out.println(s);
    System.out.flush();
  }

  private static String text(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  private static InetSocketAddress parse(String s) {
    int colon = s.lastIndexOf(':');
    return new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
  }
}
