package dev.p2p.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks a file name that came from the network before it touches the disk: it must name a file
 * directly inside the save directory, never a path that climbs out of it or into a subdirectory.
 */
final class SafeFileName {
  /** 255, the usual limit of a file name, less the ".part" added while receiving. */
  private static final int MAX_BYTES = 250;

  private SafeFileName() {}

  /**
   * Why {@code name} cannot be used as a file name in a save directory, or empty when it can. Names
   * are refused, not repaired: a receiver that silently renamed a file would surprise its user.
   */
  static Optional<String> problem(String name) {
    if (name.isEmpty()) {
      return Optional.of("the file name is empty");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.of("the file name is longer than " + MAX_BYTES + " bytes");
    }
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("'" + name + "' is not a file name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\') {
        return Optional.of("the file name '" + printable(name) + "' contains a path separator");
      }
      // Control characters could rewrite the receiver's terminal when the name is printed.
      if (c < 0x20 || c == 0x7f) {
        return Optional.of("the file name '" + printable(name) + "' contains control characters");
      }
    }
    return Optional.empty();
  }

  /**
   * {@code dir/name} for a name {@link #problem} accepted, checked once more against the file
   * system's own idea of a path (a name it reads as a root or a drive is refused too).
   *
   * @throws IllegalArgumentException if the result would not lie directly inside {@code dir}
   */
  static Path resolve(Path dir, String name) {
    problem(name)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
    Path target;
    try {
      target = dir.resolve(name);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "the file name '" + printable(name) + "' is not valid here");
    }
    Path base = dir.toAbsolutePath().normalize();
    Path t = target.toAbsolutePath().normalize();
    if (!base.equals(t.getParent())) {
      throw new IllegalArgumentException(
          "the file name '" + printable(name) + "' leads outside the save directory");
    }
    return target;
  }

  /** The name with control characters shown as '?', for a message. */
  static String printable(String name) {
    StringBuilder b = new StringBuilder(Math.min(name.length(), 80));
    for (int i = 0; i < name.length() && i < 80; i++) {
      char c = name.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return name.length() > 80 ? b + "..." : b.toString();
  }
}
