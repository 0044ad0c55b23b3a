package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer protocol against peers that lie, break it or are hostile, in this JVM on QUIC over
 * loopback (the provider the CLI uses): the real CLI never sends such messages, so these are
 * written by hand.
 */
@Timeout(60)
class TransferProtocolTest {
  @TempDir Path root;
  private Path save;
  private P2PProvider server;
  private P2PProvider client;
  private P2PListener listener;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void open() throws Exception {
    save = Files.createDirectory(root.resolve("save"));
    P2PConfig config = P2PConfig.builder().implementation("quic").build();
    server = P2P.open(config);
    client = P2P.open(config);
    listener = server.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    client.close();
    server.close();
  }

  /** A connected pair: [client side, server side]. */
  private P2PConnection[] pair() throws Exception {
    CompletableFuture<P2PConnection> accepted = listener.accept();
    P2PConnection c = client.connect(listener.peerAddress()).get(10, TimeUnit.SECONDS);
    return new P2PConnection[] {c, accepted.get(10, TimeUnit.SECONDS)};
  }

  private CompletableFuture<Boolean> serve(P2PConnection serverSide) {
    return CompletableFuture.supplyAsync(() -> receiver(serverSide).serve());
  }

  /** As {@code p2p receive} serves: files, and nothing else. */
  private CompletableFuture<Boolean> serveFilesOnly(P2PConnection serverSide) {
    return CompletableFuture.supplyAsync(() -> receiver(serverSide).filesOnly().serve());
  }

  private Receiver receiver(P2PConnection serverSide) {
    return new Receiver(serverSide, save, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private static Wire.Msg next(P2PConnection c) throws Exception {
    return Wire.decode(c.recv().get(10, TimeUnit.SECONDS));
  }

  @Test
  void anEmptyFileAndOneOfExactlyOneChunkAreDeliveredAndVerified() throws Exception {
    for (int size : new int[] {0, FileSender.CHUNK}) {
      Path file = root.resolve("f" + size);
      byte[] bytes = new byte[size];
      new Random(size).nextBytes(bytes);
      Files.write(file, bytes);
      P2PConnection[] p = pair();
      CompletableFuture<Boolean> served = serve(p[1]);
      FileSender.Delivered d = FileSender.send(p[0], file, quiet());
      assertEquals(size, d.bytes());
      assertTrue(served.get(20, TimeUnit.SECONDS), err.toString());
      assertArrayEquals(bytes, Files.readAllBytes(save.resolve("f" + size)));
      assertFalse(Files.exists(save.resolve("f" + size + ".part")));
    }
  }

  /** p2p send/receive: the side that accepted sends, the side that dialled saves. */
  @Test
  void theAcceptingSideSendsAndTheDiallingSideReceivesWithTheSameProtocol() throws Exception {
    Path file = root.resolve("reversed");
    byte[] bytes = new byte[3 * FileSender.CHUNK + 17];
    new Random(3).nextBytes(bytes);
    Files.write(file, bytes);
    P2PConnection[] p = pair();
    CompletableFuture<Boolean> served = serveFilesOnly(p[0]);
    FileSender.Delivered d = FileSender.send(p[1], file, quiet());
    assertEquals(bytes.length, d.bytes());
    assertTrue(served.get(20, TimeUnit.SECONDS), err.toString());
    assertArrayEquals(bytes, Files.readAllBytes(save.resolve("reversed")));
  }

  @Test
  void aFilesOnlyReceiverRefusesLines() throws Exception {
    P2PConnection[] p = pair();
    CompletableFuture<Boolean> served = serveFilesOnly(p[1]);
    p[0].send(Wire.offerLines()).get(10, TimeUnit.SECONDS);
    Wire.Msg answer = next(p[0]);
    assertInstanceOf(Wire.Refuse.class, answer);
    assertTrue(((Wire.Refuse) answer).reason().contains("'p2p send FILE'"), answer.toString());
    assertFalse(served.get(20, TimeUnit.SECONDS));
    assertTrue(err.toString().contains("'p2p receive' takes a file"), err.toString());
  }

  @Test
  void namesThatCouldLeaveTheSaveDirectoryAreRefusedAndNothingIsWritten() throws Exception {
    for (String name :
        List.of(
            "../escape.txt", "../../x", "sub/x", "/etc/x", "..", ".", "a\\b", "bell\u0007", "")) {
      P2PConnection[] p = pair();
      CompletableFuture<Boolean> served = serve(p[1]);
      p[0].send(Wire.offerFile(name, 3)).get(10, TimeUnit.SECONDS);
      Wire.Msg answer = next(p[0]);
      assertInstanceOf(Wire.Refuse.class, answer, name);
      assertFalse(served.get(20, TimeUnit.SECONDS), name);
      p[0].close();
    }
    try (var s = Files.list(root)) {
      assertEquals(List.of(save), s.toList(), "nothing beside the save directory");
    }
    try (var s = Files.list(save)) {
      assertEquals(List.of(), s.toList(), "nothing in it");
    }
    assertEquals(9, err.toString().lines().count(), err.toString());
  }

  @Test
  void garbageFromAPeerEndsThatConnectionOnlyWithOneLine() throws Exception {
    List<byte[]> garbage =
        List.of(
            new byte[0],
            new byte[] {'Z', 1, 2},
            new byte[] {'O', 9, 'F'}, // another version
            new byte[] {'O', 1, 'F', 0, 0}, // truncated
            Wire.end(0, 0, new byte[32])); // not an offer
    for (byte[] m : garbage) {
      P2PConnection[] p = pair();
      CompletableFuture<Boolean> served = serve(p[1]);
      p[0].send(m).get(10, TimeUnit.SECONDS);
      assertFalse(served.get(20, TimeUnit.SECONDS));
      p[0].close();
    }
    assertEquals(5, err.toString().lines().count(), err.toString());
    assertTrue(err.toString().contains("version 9"), err.toString());
  }

  @Test
  void moreBytesThanOfferedAreRefusedAndThePartKept() throws Exception {
    P2PConnection[] p = pair();
    CompletableFuture<Boolean> served = serve(p[1]);
    p[0].send(Wire.offerFile("small", 3)).get(10, TimeUnit.SECONDS);
    assertInstanceOf(Wire.Accept.class, next(p[0]));
    byte[] data = Wire.dataBuffer(10);
    p[0].send(data).get(10, TimeUnit.SECONDS);
    assertInstanceOf(Wire.Abort.class, next(p[0]));
    assertFalse(served.get(20, TimeUnit.SECONDS));
    assertTrue(Files.exists(save.resolve("small.part")));
    assertFalse(Files.exists(save.resolve("small")));
  }

  @Test
  void aCorruptedChunkIsAMismatchOnBothSidesAndNothingIsRenamed() throws Exception {
    Path file = root.resolve("data.bin");
    byte[] bytes = new byte[300_000];
    new Random(1).nextBytes(bytes);
    Files.write(file, bytes);
    P2PConnection[] p = pair();
    CompletableFuture<Boolean> served = serve(p[1]);
    TransferFailedException e =
        assertThrows(
            TransferFailedException.class,
            () -> FileSender.send(new CorruptingConnection(p[0]), file, quiet()));
    assertTrue(e.getMessage().startsWith("checksum mismatch: sent 300000 bytes"), e.getMessage());
    assertFalse(served.get(20, TimeUnit.SECONDS));
    assertTrue(err.toString().contains("checksum mismatch"), err.toString());
    assertTrue(Files.exists(save.resolve("data.bin.part")));
    assertFalse(Files.exists(save.resolve("data.bin")));
  }

  @Test
  void aReceiverThatCallsAWrongDigestFineIsNotBelieved() throws Exception {
    Path file = root.resolve("data.bin");
    Files.write(file, new byte[] {1, 2, 3});
    P2PConnection[] p = pair();
    CompletableFuture<Void> liar =
        CompletableFuture.runAsync(
            () -> {
              try {
                next(p[1]); // offer
                p[1].send(Wire.accept());
                Wire.Msg m;
                while (!((m = next(p[1])) instanceof Wire.End)) {
                  assertInstanceOf(Wire.Data.class, m);
                }
                Wire.End end = (Wire.End) m;
                p[1].send(Wire.verdict(true, end.count(), end.bytes(), new byte[32]));
              } catch (Exception x) {
                throw new IllegalStateException(x);
              }
            });
    TransferFailedException e =
        assertThrows(TransferFailedException.class, () -> FileSender.send(p[0], file, quiet()));
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertTrue(e.getMessage().endsWith("(and called it fine)"), e.getMessage());
    liar.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aReceiverThatClosesAfterAcceptingIsAVanishedPeer() throws Exception {
    Path file = root.resolve("data.bin");
    Files.write(file, new byte[5_000_000]);
    P2PConnection[] p = pair();
    CompletableFuture.runAsync(
        () -> {
          try {
            next(p[1]);
            p[1].send(Wire.accept());
            p[1].close();
          } catch (Exception x) {
            throw new IllegalStateException(x);
          }
        });
    TransferFailedException e =
        assertThrows(TransferFailedException.class, () -> FileSender.send(p[0], file, quiet()));
    assertTrue(
        e.getMessage().startsWith("peer vanished after 0 of 5000000 bytes ("), e.getMessage());
  }

  private Progress quiet() {
    return new SummaryProgress("sent", new PrintWriter(new StringWriter()));
  }

  /** Flips one bit of the first DATA message it sends, as a faulty path would. */
  private static final class CorruptingConnection implements P2PConnection {
    private final P2PConnection c;
    private boolean corrupted;

    CorruptingConnection(P2PConnection c) {
      this.c = c;
    }

    @Override
    public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
      if (!corrupted && message.length > Wire.PAYLOAD + 100 && message[0] == 'D') {
        corrupted = true;
        message = message.clone();
        message[Wire.PAYLOAD + 100] ^= 1;
      }
      return c.send(message, delivery);
    }

    @Override
    public dev.p2p.api.PeerId peerId() {
      return c.peerId();
    }

    @Override
    public CompletableFuture<byte[]> recv() {
      return c.recv();
    }

    @Override
    public Flow.Publisher<byte[]> messages() {
      return c.messages();
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
      return c.closeFuture();
    }

    @Override
    public ConnectionState state() {
      return c.state();
    }

    @Override
    public dev.p2p.api.Path path() {
      return c.path();
    }

    @Override
    public ConnectionStats stats() {
      return c.stats();
    }

    @Override
    public void addListener(ConnectionListener listener) {
      c.addListener(listener);
    }

    @Override
    public void close() {
      c.close();
    }
  }
}
