package dev.p2p.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Receives one offered file into {@code NAME.part} in the save directory, and renames it to {@code
 * NAME} only once its length and SHA-256 match what the sender says it sent. A cut or mismatched
 * transfer keeps the {@code .part} and says so.
 */
final class FileReceiver {
  /** How often the receiver tells the sender how much it has written. */
  static final long PROGRESS_EVERY = 1 << 20;

  private final Receiver r;
  private final Path dir;

  FileReceiver(Receiver r, Path dir) {
    this.r = r;
    this.dir = dir;
  }

  /** True when the file was saved and verified. */
  boolean receive(Wire.Offer offer) {
    String name = SafeFileName.printable(offer.name());
    Path target;
    try {
      target = SafeFileName.resolve(dir, offer.name());
    } catch (IllegalArgumentException e) {
      r.refuse(e.getMessage(), "refused a file from " + r.peer() + ": " + e.getMessage());
      return false;
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      r.refuse(
          name + " already exists at the receiver",
          "refused " + name + " from " + r.peer() + ": " + target + " already exists");
      return false;
    }
    long length = offer.length();
    long free = usableSpace();
    if (free >= 0 && free < length) {
      r.refuse(
          "the receiver has " + free + " bytes free, the file has " + length,
          "refused " + name + " from " + r.peer() + ": " + length + " bytes, " + free + " free");
      return false;
    }
    Path part = target.resolveSibling(target.getFileName() + ".part");
    FileChannel ch;
    try {
      ch =
          FileChannel.open(
              part,
              StandardOpenOption.WRITE,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      r.refuse(
          "the receiver cannot write the file",
          "refused " + name + " from " + r.peer() + ": cannot write " + part + ": " + e);
      return false;
    }
    r.conn().send(Wire.accept());
    synchronized (r.out) {
      r.out.printf("receiving  %s (%d bytes) from %s%n", name, length, r.peer());
      r.out.flush();
    }
    try (ch;
        Progress progress = Progress.create("receiving", "received", length, r.err, r.conn())) {
      return copy(ch, progress, name, length, part, target);
    } catch (IOException e) {
      r.conn().send(Wire.abort("the receiver cannot write the file: " + e.getMessage()));
      r.report("cannot write " + part + " (" + e + "); kept it");
      return false;
    }
  }

  private boolean copy(
      FileChannel ch, Progress progress, String name, long length, Path part, Path target)
      throws IOException {
    MessageDigest sha = Sha256.create();
    long written = 0;
    long chunks = 0;
    long nextProgress = PROGRESS_EVERY;
    for (; ; ) {
      Wire.Msg msg;
      try {
        msg = r.next(Receiver.STALL_TIMEOUT);
      } catch (Receiver.CutException e) {
        r.report(
            name
                + " from "
                + r.peer()
                + " cut after "
                + written
                + " of "
                + length
                + " bytes ("
                + e.getMessage()
                + "); kept "
                + part);
        return false;
      } catch (Wire.MalformedException e) {
        r.conn().send(Wire.abort("protocol error: " + e.getMessage()));
        r.report(
            name + " from " + r.peer() + ": protocol error (" + e.getMessage() + "); kept " + part);
        return false;
      }
      if (msg instanceof Wire.Data d) {
        if (d.length() > length - written) {
          r.conn().send(Wire.abort("more than the " + length + " bytes offered"));
          r.report(
              name
                  + " from "
                  + r.peer()
                  + ": more than the "
                  + length
                  + " bytes offered; kept "
                  + part);
          return false;
        }
        ByteBuffer b = ByteBuffer.wrap(d.buffer(), d.offset(), d.length());
        while (b.hasRemaining()) {
          ch.write(b);
        }
        sha.update(d.buffer(), d.offset(), d.length());
        written += d.length();
        chunks++;
        progress.update(written);
        if (written >= nextProgress) {
          r.conn().send(Wire.progress(written));
          nextProgress = written + PROGRESS_EVERY;
        }
      } else if (msg instanceof Wire.End e) {
        return finish(ch, progress, e, sha.digest(), chunks, written, length, name, part, target);
      } else if (msg instanceof Wire.Abort a) {
        r.report(
            "the sender stopped "
                + name
                + " after "
                + written
                + " of "
                + length
                + " bytes ("
                + a.reason()
                + "); kept "
                + part);
        return false;
      } else {
        r.conn().send(Wire.abort("unexpected " + Wire.typeName(msg) + " during a file"));
        r.report(
            name + " from " + r.peer() + ": unexpected " + Wire.typeName(msg) + "; kept " + part);
        return false;
      }
    }
  }

  private boolean finish(
      FileChannel ch,
      Progress progress,
      Wire.End end,
      byte[] digest,
      long chunks,
      long written,
      long length,
      String name,
      Path part,
      Path target)
      throws IOException {
    boolean ok =
        written == length
            && end.bytes() == written
            && end.count() == chunks
            && Arrays.equals(end.sha256(), digest);
    String problem = null;
    if (ok) {
      ch.force(true); // "verified" means on disk, not in the page cache
      try {
        // Where ATOMIC_MOVE replaces (POSIX rename), the exists check before ACCEPT is the guard.
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        r.conn().send(Wire.abort(name + " appeared at the receiver meanwhile"));
        r.report(name + " from " + r.peer() + ": " + target + " appeared meanwhile; kept " + part);
        return false;
      }
    } else {
      problem =
          "checksum mismatch: got "
              + written
              + " bytes with sha256 "
              + SenderSteps.hex(digest)
              + ", the sender sent "
              + end.bytes()
              + " bytes with sha256 "
              + SenderSteps.hex(end.sha256());
    }
    r.conn().send(Wire.verdict(ok, chunks, written, digest));
    if (!ok) {
      r.report(name + " from " + r.peer() + ": " + problem + "; kept " + part);
      return false;
    }
    progress.finish(written);
    synchronized (r.out) {
      r.out.printf(
          "saved      %s (%d bytes, sha256 %s verified)%n",
          target, written, SenderSteps.hex(digest));
      r.out.flush();
    }
    return true;
  }

  private long usableSpace() {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return -1; // unknown: the writes will tell
    }
  }
}
