package dev.p2p.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of what the user named, made before any network work: a typo should cost neither a
 * connection nor a timeout. Each failure is an {@link IllegalArgumentException} naming the option.
 */
final class CliChecks {
  private CliChecks() {}

  /** A file to read, named by {@code option} (null for an argument); returns it. */
  static Path readableFile(String option, Path file) {
    String name = option == null ? file.toString() : option + " " + file;
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(name + ": no such file");
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(name + ": is a directory, give a file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(name + ": permission denied");
    }
    return file;
  }

  /** An existing directory to write into; never created, so a typo does not scatter files. */
  static Path writableDirectory(String option, Path dir) {
    if (!Files.exists(dir)) {
      throw new IllegalArgumentException(
          option + " " + dir + ": no such directory; create it first (mkdir -p " + dir + ")");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(option + " " + dir + ": not a directory");
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException(option + " " + dir + ": not writable by you");
    }
    return dir;
  }
}
