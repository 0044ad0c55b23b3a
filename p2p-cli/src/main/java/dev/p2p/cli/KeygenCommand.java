package dev.p2p.cli;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.identity.KeyFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Creates an Ed25519 identity key file (owner-only) and prints its peer id. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {
      "Creates an identity key file (Ed25519, owner-only); prints its peer id.",
      "Use it with P2P_KEY_FILE or --key so a peer keeps its id",
      "across restarts. Never overwrites a file, never creates directories."
    })
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-o", "--out"},
      defaultValue = "p2p-key.pem",
      description = "where to write the key, in an existing directory (default ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() {
    Path dir = out.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "cannot write key file " + out + ": no directory " + dir + "; create it first");
    }
    if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(
          out + " already exists; keygen never overwrites a key (choose another -o)");
    }
    PrintWriter w = spec.commandLine().getOut();
    Ed25519Identity identity = Ed25519Identity.generate();
    KeyFiles.save(identity, out);
    w.printf("key file  %s%n", out.toAbsolutePath());
    w.printf("peer id   %s%n", identity.peerId());
    w.flush();
    return 0;
  }
}
