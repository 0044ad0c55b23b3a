package dev.p2p.quic.internal.path.traversal;

import java.util.random.RandomGenerator;

/**
 * The ports the easy side of birthday probing sprays: distinct, in a random order, from the range a
 * destination-dependent NAT picks from (Linux masquerade: 1024..65535), without a table: port i is
 * {@code FIRST + (offset + stride * i) mod COUNT} with a random stride coprime to COUNT = 64,512 =
 * 2^10 * 3^2 * 7 (odd, not a multiple of 3 or 7), so no port repeats within COUNT probes.
 */
public final class SprayPorts {
  public static final int FIRST = 1024;
  public static final int COUNT = 65536 - FIRST;

  private final int stride;
  private final int offset;
  private int next;

  public SprayPorts(RandomGenerator random) {
    int s;
    do {
      s = 1 + 2 * random.nextInt(COUNT / 2);
    } while (s % 3 == 0 || s % 7 == 0);
    stride = s;
    offset = random.nextInt(COUNT);
  }

  /** How many ports were handed out. */
  public int used() {
    return next;
  }

  /** The next port, distinct from every earlier one for the first {@link #COUNT}. */
  public int next() {
    return FIRST + (int) ((offset + (long) stride * next++) % COUNT);
  }
}
