package dev.p2p.api;

import dev.p2p.api.internal.Base32;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A peer's identity: its Ed25519 public key (32 bytes). The canonical text is lowercase RFC 4648
 * base32 without padding, 52 characters.
 */
public final class PeerId implements Comparable<PeerId> {
  /** Length of an Ed25519 public key. */
  public static final int KEY_LENGTH = 32;

  /** Length of the canonical text form. */
  public static final int TEXT_LENGTH = 52;

  private final byte[] key;
  private final String text;
  private final int hash; // ids are map keys on hot paths

  private PeerId(byte[] key) {
    this.key = key;
    this.text = Base32.encode(key);
    this.hash = Arrays.hashCode(key);
  }

  /**
   * The id of an Ed25519 public key.
   *
   * @param key32 the raw 32-byte public key (copied)
   * @throws IllegalArgumentException if the key is not 32 bytes
   */
  public static PeerId fromPublicKey(byte[] key32) {
    Objects.requireNonNull(key32, "key32");
    if (key32.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has " + KEY_LENGTH + " bytes, got " + key32.length);
    }
    return new PeerId(key32.clone());
  }

  /**
   * Parses the canonical text form. Upper case is accepted; surrounding white space is not.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static PeerId parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "a peer id has "
              + TEXT_LENGTH
              + " base32 characters, got "
              + text.length()
              + " in '"
              + abbreviate(text)
              + "'");
    }
    try {
      return new PeerId(Base32.decode(text.toLowerCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a peer id: '" + abbreviate(text) + "': " + e.getMessage(), e);
    }
  }

  /** The raw public key, a fresh copy each call. */
  public byte[] toBytes() {
    return key.clone();
  }

  /** The first 10 characters of the canonical text, for logs. */
  public String shortString() {
    return text.substring(0, 10);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId other && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(PeerId other) {
    return Arrays.compareUnsigned(key, other.key);
  }

  private static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 61) + "...";
  }
}
