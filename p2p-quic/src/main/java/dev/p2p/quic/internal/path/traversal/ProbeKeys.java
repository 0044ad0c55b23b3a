package dev.p2p.quic.internal.path.traversal;

import java.security.SecureRandom;

/**
 * The secrets that authenticate one peer path's probes. Each side picks, per path, a random tag
 * (which path a probe is for, even from an address never seen before) and a 256-bit key, and tells
 * the peer both over the QUIC connection, which key pinning has already authenticated. A probe to
 * us carries our tag and a MAC under our key; a probe to the peer uses the peer's. An off-path
 * attacker who never saw the QUIC plaintext can forge neither.
 */
public final class ProbeKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final long localTag;
  private final byte[] localKey = new byte[32];
  private volatile Remote remote;

  /** What the peer told us: the tag and key its probes expect. */
  public record Remote(long tag, byte[] key) {}

  public ProbeKeys() {
    RANDOM.nextBytes(localKey);
    long t;
    do {
      t = RANDOM.nextLong();
    } while (t == 0);
    localTag = t;
  }

  public long localTag() {
    return localTag;
  }

  byte[] localKey() {
    return localKey;
  }

  public byte[] localKeyCopy() {
    return localKey.clone();
  }

  /** Null until the peer's offer arrived: until then we cannot probe it. */
  public Remote remote() {
    return remote;
  }

  public void remote(long tag, byte[] key) {
    remote = new Remote(tag, key.clone());
  }
}
