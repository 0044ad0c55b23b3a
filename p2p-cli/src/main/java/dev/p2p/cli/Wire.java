package dev.p2p.cli;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The messages of the CLI's transfer protocol, one P2P message each; the first byte says which.
 *
 * <pre>
 * sender                                  receiver
 *   OFFER (version, kind, name, length) -->
 *                                       <-- ACCEPT | REFUSE (reason)
 *   DATA* (file) | LINE* (stdin)        -->
 *                                       <-- PROGRESS (bytes written)* | LINE (echo)*
 *   END (count, bytes, sha256)          -->
 *                                       <-- VERDICT (ok, count, bytes, sha256), after checking
 *   close
 * </pre>
 *
 * Either side may send ABORT (reason) instead. The sender believes only the verdict: a transfer is
 * delivered when the receiver has written, hashed and (for a file) renamed what arrived, not when
 * the transport accepted the last send.
 */
final class Wire {
  static final int VERSION = 1;
  static final int SHA256_LENGTH = 32;
  private static final int MAX_TEXT = 1024;

  private static final byte OFFER = 'O';
  private static final byte ACCEPT = 'A';
  private static final byte REFUSE = 'R';
  private static final byte DATA = 'D';
  private static final byte PROGRESS = 'P';
  private static final byte END = 'E';
  private static final byte VERDICT = 'V';
  private static final byte ABORT = 'X';
  private static final byte LINE = 'L';

  private Wire() {}

  /** What an offer carries. */
  enum Kind {
    FILE,
    LINES
  }

  /** A decoded message. */
  sealed interface Msg permits Offer, Accept, Refuse, Data, Progress, End, Verdict, Abort, Line {}

  /** {@code name} and {@code length} are meaningful for a file only. */
  record Offer(Kind kind, String name, long length) implements Msg {}

  record Accept() implements Msg {}

  record Refuse(String reason) implements Msg {}

  /** A file chunk: {@code length} bytes of {@code buffer} from {@code offset}. */
  record Data(byte[] buffer, int offset, int length) implements Msg {}

  /** How many bytes the receiver has written so far. */
  record Progress(long bytes) implements Msg {}

  /** What the sender sent: {@code count} messages (lines or chunks) of {@code bytes} in all. */
  record End(long count, long bytes, byte[] sha256) implements Msg {}

  /** What the receiver got, and whether it matched the END. */
  record Verdict(boolean ok, long count, long bytes, byte[] sha256) implements Msg {}

  record Abort(String reason) implements Msg {}

  /** A stdin line (sender to receiver) or its echo (back). */
  record Line(byte[] buffer, int offset, int length) implements Msg {
    String text() {
      return new String(buffer, offset, length, StandardCharsets.UTF_8);
    }
  }

  /** A message that does not follow this protocol: the peer is not a p2p CLI, or a broken one. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  static byte[] offerFile(String name, long length) {
    byte[] n = text(name);
    return ByteBuffer.allocate(1 + 1 + 1 + 8 + 2 + n.length)
        .put(OFFER)
        .put((byte) VERSION)
        .put((byte) 'F')
        .putLong(length)
        .putShort((short) n.length)
        .put(n)
        .array();
  }

  static byte[] offerLines() {
    return ByteBuffer.allocate(1 + 1 + 1 + 8 + 2)
        .put(OFFER)
        .put((byte) VERSION)
        .put((byte) 'L')
        .putLong(0)
        .putShort((short) 0)
        .array();
  }

  static byte[] accept() {
    return new byte[] {ACCEPT};
  }

  static byte[] refuse(String reason) {
    return withText(REFUSE, reason);
  }

  static byte[] abort(String reason) {
    return withText(ABORT, reason);
  }

  static byte[] progress(long bytes) {
    return ByteBuffer.allocate(9).put(PROGRESS).putLong(bytes).array();
  }

  static byte[] end(long count, long bytes, byte[] sha256) {
    return ByteBuffer.allocate(1 + 16 + SHA256_LENGTH)
        .put(END)
        .putLong(count)
        .putLong(bytes)
        .put(sha256)
        .array();
  }

  static byte[] verdict(boolean ok, long count, long bytes, byte[] sha256) {
    return ByteBuffer.allocate(1 + 1 + 16 + SHA256_LENGTH)
        .put(VERDICT)
        .put((byte) (ok ? 1 : 0))
        .putLong(count)
        .putLong(bytes)
        .put(sha256)
        .array();
  }

  /** A DATA message with room for {@code capacity} payload bytes from {@link #PAYLOAD}. */
  static byte[] dataBuffer(int capacity) {
    byte[] b = new byte[1 + capacity];
    b[0] = DATA;
    return b;
  }

  /** Where the payload of a DATA or LINE message starts. */
  static final int PAYLOAD = 1;

  static byte[] line(byte[] text) {
    byte[] b = new byte[1 + text.length];
    b[0] = LINE;
    System.arraycopy(text, 0, b, 1, text.length);
    return b;
  }

  /** An echo of a received LINE: the same bytes. */
  static byte[] echo(Line line) {
    byte[] b = new byte[1 + line.length()];
    b[0] = LINE;
    System.arraycopy(line.buffer(), line.offset(), b, 1, line.length());
    return b;
  }

  /**
   * Decodes a message from the network; never trusts a length it carries.
   *
   * @throws MalformedException naming what is wrong
   */
  static Msg decode(byte[] m) throws MalformedException {
    if (m.length == 0) {
      throw new MalformedException("an empty message");
    }
    ByteBuffer b = ByteBuffer.wrap(m, 1, m.length - 1);
    try {
      Msg msg =
          switch (m[0]) {
            case OFFER -> offer(b);
            case ACCEPT -> new Accept();
            case REFUSE -> new Refuse(text(b));
            case DATA -> new Data(m, PAYLOAD, m.length - PAYLOAD);
            case LINE -> new Line(m, PAYLOAD, m.length - PAYLOAD);
            case PROGRESS -> new Progress(nonNegative(b.getLong(), "progress"));
            case END ->
                new End(
                    nonNegative(b.getLong(), "count"), nonNegative(b.getLong(), "size"), sha(b));
            case VERDICT ->
                new Verdict(
                    b.get() == 1,
                    nonNegative(b.getLong(), "count"),
                    nonNegative(b.getLong(), "size"),
                    sha(b));
            case ABORT -> new Abort(text(b));
            default -> throw new MalformedException("a message of unknown type " + (m[0] & 0xff));
          };
      if (!(msg instanceof Data || msg instanceof Line) && b.hasRemaining()) {
        throw new MalformedException(b.remaining() + " bytes after a " + typeName(msg));
      }
      return msg;
    } catch (BufferUnderflowException e) {
      throw new MalformedException("a truncated message of type " + (m[0] & 0xff));
    }
  }

  private static Offer offer(ByteBuffer b) throws MalformedException {
    int version = b.get() & 0xff;
    if (version != VERSION) {
      throw new MalformedException(
          "the peer speaks version "
              + version
              + " of the p2p transfer protocol, this p2p speaks "
              + VERSION
              + "; use the same p2p release on both sides");
    }
    byte kind = b.get();
    long length = nonNegative(b.getLong(), "file size");
    String name = text(b);
    return switch (kind) {
      case 'F' -> new Offer(Kind.FILE, name, length);
      case 'L' -> new Offer(Kind.LINES, "", 0);
      default -> throw new MalformedException("an offer of unknown kind " + (kind & 0xff));
    };
  }

  private static String text(ByteBuffer b) throws MalformedException {
    int n = b.getShort() & 0xffff;
    if (n > MAX_TEXT) {
      throw new MalformedException("a text field of " + n + " bytes (at most " + MAX_TEXT + ")");
    }
    byte[] t = new byte[n];
    b.get(t);
    return new String(t, StandardCharsets.UTF_8);
  }

  private static byte[] text(String s) {
    byte[] t = s.getBytes(StandardCharsets.UTF_8);
    if (t.length <= MAX_TEXT) {
      return t;
    }
    // Reasons are ours and short; a long one is cut rather than refused.
    return new String(t, 0, MAX_TEXT - 3, StandardCharsets.UTF_8)
        .replace("\uFFFD", "")
        .concat("...")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] withText(byte type, String s) {
    byte[] t = text(s);
    return ByteBuffer.allocate(1 + 2 + t.length)
        .put(type)
        .putShort((short) t.length)
        .put(t)
        .array();
  }

  private static byte[] sha(ByteBuffer b) {
    byte[] d = new byte[SHA256_LENGTH];
    b.get(d);
    return d;
  }

  private static long nonNegative(long v, String what) throws MalformedException {
    if (v < 0) {
      throw new MalformedException("a negative " + what);
    }
    return v;
  }

  static String typeName(Msg m) {
    return m.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
  }
}
