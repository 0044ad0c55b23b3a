package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.identity.KeyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuicCommandsTest {
  @TempDir Path dir;

  @Test
  void keygenWritesAnOwnerOnlyKeyAndRefusesToOverwriteIt() throws Exception {
    Path key = dir.resolve("id.pem");
    assertEquals(0, Main.run("keygen", "-o", key.toString()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    KeyFiles.load(key); // a usable key
    assertEquals(2, Main.run("keygen", "-o", key.toString()), "never overwrites");
  }

  @Test
  void connectWithAMistypedTicketFailsWithExitCode2() {
    assertEquals(2, Main.run("connect", "p2p1notaticket"));
  }

  @Test
  void demoRunsOverQuic() {
    assertEquals(0, Main.run("demo", "--provider", "quic", "--messages", "5"));
  }
}
