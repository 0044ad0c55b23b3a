package dev.p2p.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
  @TempDir Path dir;

  @Test
  void createsOwnerOnlyFileAndLoadsSameIdentity() throws Exception {
    Path file = dir.resolve("sub/id.key");
    Ed25519Identity created = KeyFiles.loadOrCreate(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Ed25519Identity loaded = KeyFiles.loadOrCreate(file);
    assertEquals(created.peerId(), loaded.peerId());
    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    assertTrue(Ed25519Identity.verify(created.peerId(), msg, loaded.sign(msg)));
  }

  @Test
  void worldReadableFileIsRefusedWithChmodAdvice() throws Exception {
    Path file = dir.resolve("id.key");
    KeyFiles.save(Ed25519Identity.generate(), file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> KeyFiles.load(file));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void corruptFileIsRefused() throws Exception {
    Path file = dir.resolve("id.key");
    KeyFiles.save(Ed25519Identity.generate(), file);
    String text = Files.readString(file).replace("PUBLIC KEY", "OTHER THING");
    Files.writeString(file, text);
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> KeyFiles.load(file));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());

    Files.writeString(file, "garbage");
    assertThrows(ConfigurationException.class, () -> KeyFiles.load(file));
  }

  @Test
  void binaryFileIsRefusedNamingWhatAKeyFileIsAndHowToMakeOne() throws Exception {
    Path file = dir.resolve("id.key");
    Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff});
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> KeyFiles.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("binary data"), e.getMessage());
    assertTrue(e.getMessage().contains("p2p keygen"), e.getMessage());
  }

  @Test
  void mismatchedPublicKeyIsRefused() throws Exception {
    Path a = dir.resolve("a.key");
    Path b = dir.resolve("b.key");
    KeyFiles.save(Ed25519Identity.generate(), a);
    KeyFiles.save(Ed25519Identity.generate(), b);
    String privA = Files.readString(a).split("-----BEGIN PUBLIC KEY-----")[0];
    String pubB =
        "-----BEGIN PUBLIC KEY-----" + Files.readString(b).split("-----BEGIN PUBLIC KEY-----")[1];
    Files.writeString(a, privA + pubB);
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> KeyFiles.load(a));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  @Test
  void configWithoutKeyFileGivesEphemeralIdentity() {
    Ed25519Identity one = Ed25519Identity.fromConfig(P2PConfig.empty());
    Ed25519Identity two = Ed25519Identity.fromConfig(P2PConfig.empty());
    assertFalse(one.peerId().equals(two.peerId()));
  }

  @Test
  void configKeyFileIsUsed() {
    Path file = dir.resolve("cfg.key");
    P2PConfig config = P2PConfig.builder().set(Ed25519Identity.KEY_FILE, file.toString()).build();
    assertEquals(
        Ed25519Identity.fromConfig(config).peerId(), Ed25519Identity.fromConfig(config).peerId());
  }

  @Test
  void privateKeyAlwaysHasJdkPkcs8V1Encoding() {
    // Regression guard: BoringSSL crashed on PKCS#8 v2 (83 bytes); the JDK's v1 form is 48 bytes.
    Ed25519Identity id = Ed25519Identity.generate();
    assertEquals(48, id.privateKey().getEncoded().length);
    Ed25519Identity reloaded = Ed25519Identity.of(id.keyPair());
    assertArrayEquals(id.privateKey().getEncoded(), reloaded.privateKey().getEncoded());
  }

  @Test
  void verifyRejectsGarbageWithoutThrowing() {
    Ed25519Identity id = Ed25519Identity.generate();
    assertFalse(Ed25519Identity.verify(id.peerId(), new byte[] {1}, new byte[] {1, 2, 3}));
    assertFalse(Ed25519Identity.verify(id.peerId(), new byte[] {1}, new byte[64]));
  }
}
