package dev.p2p.identity;

import dev.p2p.api.ConfigurationException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes identity key files: PEM, a {@code PRIVATE KEY} block (PKCS#8) followed by a
 * {@code PUBLIC KEY} block (X.509 SubjectPublicKeyInfo), readable by the owner only.
 */
public final class KeyFiles {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private KeyFiles() {}

  /** Loads the key at {@code path}, creating it (owner-only) when it does not exist. */
  public static Ed25519Identity loadOrCreate(Path path) {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return load(path);
    }
    Ed25519Identity identity = Ed25519Identity.generate();
    try {
      save(identity, path);
    } catch (ConfigurationException e) {
      if (e.getCause() instanceof FileAlreadyExistsException) {
        return load(path); // another process created it first
      }
      throw e;
    }
    return identity;
  }

  /**
   * Loads a key file.
   *
   * @throws ConfigurationException if it is missing, readable by group or others, or corrupt
   */
  public static Ed25519Identity load(Path path) {
    checkPermissions(path);
    String text;
    try {
      text = Files.readString(path, StandardCharsets.US_ASCII);
    } catch (CharacterCodingException e) {
      // Files.readString says only "Input length = 1": name the file and what it should hold.
      throw new ConfigurationException(
          "key file "
              + path
              + " is not a key file: it holds binary data, a key file is PEM text with a PRIVATE"
              + " KEY and a PUBLIC KEY block; make one with 'p2p keygen -o FILE'",
          e);
    } catch (IOException e) {
      throw new ConfigurationException("cannot read key file " + path + ": " + e.getMessage(), e);
    }
    byte[] priv = null;
    byte[] pub = null;
    Matcher m = BLOCK.matcher(text);
    try {
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        switch (m.group(1)) {
          case "PRIVATE KEY" -> priv = der;
          case "PUBLIC KEY" -> pub = der;
          default -> {}
        }
      }
    } catch (IllegalArgumentException e) {
      throw corrupt(path, "bad base64", e);
    }
    if (priv == null || pub == null) {
      throw corrupt(path, "it must hold a PRIVATE KEY and a PUBLIC KEY block", null);
    }
    Ed25519Identity identity;
    try {
      identity =
          Ed25519Identity.of(new KeyPair(KeyCodec.decodePublic(pub), KeyCodec.decodePrivate(priv)));
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw corrupt(path, "not an Ed25519 key", e);
    }
    byte[] probe = "p2p key file self-check".getBytes(StandardCharsets.US_ASCII);
    if (!Ed25519Identity.verify(identity.peerId(), probe, identity.sign(probe))) {
      throw corrupt(path, "the public key does not belong to the private key", null);
    }
    return identity;
  }

  /**
   * Writes a new key file with owner-only permissions; never overwrites.
   *
   * @throws ConfigurationException if the file exists or cannot be written
   */
  public static void save(Ed25519Identity identity, Path path) {
    String pem =
        pem("PRIVATE KEY", identity.privateKey().getEncoded())
            + pem("PUBLIC KEY", identity.publicKey().getEncoded());
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      FileAttribute<?>[] attrs =
          supportsPosix(path)
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
              : new FileAttribute<?>[0];
      Files.createFile(path, attrs);
      Files.writeString(path, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new ConfigurationException("cannot write key file " + path + ": " + e, e);
    }
  }

  private static void checkPermissions(Path path) {
    if (!supportsPosix(path)) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
      Set<PosixFilePermission> open =
          Set.of(
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE);
      if (perms.stream().anyMatch(open::contains)) {
        throw new ConfigurationException(
            "key file "
                + path
                + " is accessible by other users ("
                + PosixFilePermissions.toString(perms)
                + "); run 'chmod 600 "
                + path
                + "' or create a new key");
      }
    } catch (IOException e) {
      throw new ConfigurationException("cannot read key file " + path + ": " + e.getMessage(), e);
    }
  }

  private static boolean supportsPosix(Path path) {
    Path probe = path.toAbsolutePath();
    return probe.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static String pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static ConfigurationException corrupt(Path path, String why, Throwable cause) {
    return new ConfigurationException(
        "key file "
            + path
            + " is corrupt ("
            + why
            + "); restore it or delete it to create a new key",
        cause);
  }
}
