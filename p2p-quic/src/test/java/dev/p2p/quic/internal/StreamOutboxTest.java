package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox against a stream whose writability flag cannot be trusted. Netty's QUIC stream channel
 * (4.2.18) keeps writes that quiche has no room for in its own unbounded queue, and its {@code
 * writeQueued()} reports the stream writable as soon as one queued write went out, while later ones
 * still wait: an outbox that trusted {@code isWritable()} then moved every message into that queue
 * and completed every send future (the back-pressure contract test saw 64 MiB accepted by a peer
 * that read 4 MiB). The fake stream here says writable all the time and takes a write only when the
 * test lets it.
 */
class StreamOutboxTest {
  private static final int SIZE = 64 * 1024;
  private static final int SMALL = 1000;
  private static final int WRITE_BATCH = StreamOutbox.WRITE_BATCH_BYTES;

  private final EmbeddedChannel loop = new EmbeddedChannel();
  private final FakeStream fake = new FakeStream();
  private final StreamOutbox outbox =
      new StreamOutbox(
          loop.eventLoop(), new TrafficCounters(), () -> new ConnectionClosedException("closed"));

  @AfterEach
  void releaseBuffers() {
    fake.pending.forEach(w -> w.buf.release());
    loop.finishAndReleaseAll();
  }

  @Test
  void aStreamThatClaimsRoomButTakesNothingHoldsTheSender() {
    outbox.attach(fake.stream);
    List<CompletableFuture<Void>> sends = sendMany(4 << 20);
    loop.runPendingTasks();

    // At most one write stays with the stream unconfirmed, plus the batch already copied.
    long handed = fake.handedBytes;
    assertTrue(
        handed <= 2L * (SIZE + StreamFrames.HEADER_LENGTH),
        "bytes handed to a stream that confirmed none: " + handed);
    long accepted = acceptedBytes(sends);
    assertTrue(
        accepted <= StreamOutbox.OUTBOX_BYTES + 2L * SIZE,
        "sends accepted while the stream took nothing: " + accepted + " of " + (4 << 20));
  }

  @Test
  void confirmedWritesLetTheRestGoInOrder() {
    outbox.attach(fake.stream);
    List<CompletableFuture<Void>> sends = sendMany(4 << 20);
    loop.runPendingTasks();
    for (int round = 0; round < 10_000 && !sends.stream().allMatch(CompletableFuture::isDone); ) {
      round++;
      fake.confirmAll();
      loop.runPendingTasks();
    }
    assertTrue(sends.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
    fake.confirmAll();
    assertEquals((long) sends.size() * (SIZE + StreamFrames.HEADER_LENGTH), fake.confirmedBytes);
    assertEquals(sends.size(), outbox.messagesWritten());
    assertEquals(List.of(), fake.outOfOrder, "messages written out of order");
  }

  /** Small messages: what waits beyond the unconfirmed write is still one batch. */
  @Test
  void smallMessagesBehindAnUnconfirmedWriteStopAtOneBatch() {
    outbox.attach(fake.stream);
    sendMany(4 << 20, SMALL);
    loop.runPendingTasks();
    assertEquals(2, fake.pending.size(), "writes handed to a stream that confirmed none");
    assertTrue(
        fake.handedBytes <= 2L * WRITE_BATCH,
        "bytes handed to a stream that confirmed none: " + fake.handedBytes);
  }

  /**
   * Small messages fill whole batches, also the one written behind an unconfirmed write: it held a
   * single message, which doubled the stream writes and drain passes per message.
   */
  @Test
  void smallMessagesGoInFullBatches() {
    outbox.attach(fake.stream);
    List<CompletableFuture<Void>> sends = sendMany(4 << 20, SMALL);
    int writes = 0;
    loop.runPendingTasks();
    for (int round = 0; round < 100_000 && !sends.stream().allMatch(CompletableFuture::isDone); ) {
      round++;
      writes += fake.pending.size();
      fake.confirmAll();
      loop.runPendingTasks();
    }
    writes += fake.pending.size();
    fake.confirmAll();
    assertEquals(List.of(), fake.outOfOrder, "messages written out of order");
    long bytes = (long) sends.size() * (SMALL + StreamFrames.HEADER_LENGTH);
    long perBatch = WRITE_BATCH / (SMALL + StreamFrames.HEADER_LENGTH);
    long fullBatches = (sends.size() + perBatch - 1) / perBatch;
    assertEquals(bytes, fake.confirmedBytes);
    assertTrue(
        writes <= fullBatches + 2,
        writes + " stream writes for " + sends.size() + " messages, " + fullBatches + " batches");
  }

  /**
   * A stream that announces a writability change inside write() (Netty does, synchronously, when a
   * write crosses the high-water mark) re-enters the outbox's drain: the closing frame must still
   * follow every message (it overtook the last one: the peer saw CLOSE, then a message it dropped).
   */
  @Test
  void aWritabilityChangeInsideAWriteCannotLetCloseOvertakeAMessage() {
    fake.announceWritabilityOnWrite = true;
    outbox.attach(fake.stream);
    outbox.send(new byte[SIZE]);
    outbox.send(new byte[SIZE]);
    outbox.closeWith(StreamFrames.CLOSE);
    loop.runPendingTasks();
    assertEquals(
        List.of("M", "M", "C"), fake.frames, "frames in the order they reached the stream");
  }

  private List<CompletableFuture<Void>> sendMany(int total) {
    return sendMany(total, SIZE);
  }

  private List<CompletableFuture<Void>> sendMany(int total, int size) {
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i * size < total; i++) {
      byte[] m = new byte[size];
      m[0] = (byte) i;
      m[1] = (byte) (i >> 8);
      sends.add(outbox.send(m));
    }
    return sends;
  }

  private static long acceptedBytes(List<CompletableFuture<Void>> sends) {
    return sends.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count() * SIZE;
  }

  /** A write the fake stream holds: not yet taken by "quiche". */
  private record Held(ByteBuf buf, ChannelPromise promise) {}

  /** A stream that always says writable and keeps each write until {@link #confirmAll}. */
  private final class FakeStream {
    final ArrayDeque<Held> pending = new ArrayDeque<>();
    final List<String> outOfOrder = new ArrayList<>();
    final List<String> frames = new ArrayList<>();
    boolean announceWritabilityOnWrite;
    long handedBytes;
    long confirmedBytes;
    int nextMessage;
    final QuicStreamChannel stream =
        (QuicStreamChannel)
            Proxy.newProxyInstance(
                QuicStreamChannel.class.getClassLoader(),
                new Class<?>[] {QuicStreamChannel.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "pipeline" -> loop.pipeline();
                      case "isActive", "isOpen", "isWritable" -> true;
                      case "alloc" -> (ByteBufAllocator) UnpooledByteBufAllocator.DEFAULT;
                      case "newPromise" -> new DefaultChannelPromise(self(), loop.eventLoop());
                      case "voidPromise" -> new VoidChannelPromise(self(), false);
                      case "flush" -> self();
                      case "write", "writeAndFlush" -> write(args);
                      case "eventLoop" -> loop.eventLoop();
                      case "hashCode" -> System.identityHashCode(proxy);
                      case "equals" -> proxy == args[0];
                      case "toString" -> "FakeStream";
                      default -> throw new UnsupportedOperationException(method.getName());
                    });

    private QuicStreamChannel self() {
      return stream;
    }

    private Object write(Object[] args) {
      ByteBuf buf = (ByteBuf) args[0];
      ChannelPromise promise =
          args.length > 1 ? (ChannelPromise) args[1] : new DefaultChannelPromise(self());
      handedBytes += buf.readableBytes();
      pending.add(new Held(buf, promise));
      for (int at = buf.readerIndex(); at + StreamFrames.HEADER_LENGTH <= buf.writerIndex(); ) {
        int header = buf.getInt(at);
        boolean control = StreamFrames.isControl(header);
        frames.add(control ? "C" : "M");
        at += StreamFrames.HEADER_LENGTH + (control ? 0 : header);
      }
      if (announceWritabilityOnWrite) {
        loop.pipeline().fireChannelWritabilityChanged();
      }
      return promise;
    }

    /** "quiche" takes everything held; checks the message order on the way. */
    void confirmAll() {
      Held h;
      while ((h = pending.poll()) != null) {
        ByteBuf b = h.buf;
        confirmedBytes += b.readableBytes();
        while (b.readableBytes() >= StreamFrames.HEADER_LENGTH + 2) {
          int length = b.readInt();
          int seq =
              (b.getByte(b.readerIndex()) & 0xff) | (b.getByte(b.readerIndex() + 1) & 0xff) << 8;
          if (seq != (nextMessage & 0xffff)) {
            outOfOrder.add("expected " + nextMessage + ", got " + seq);
          }
          nextMessage++;
          b.skipBytes(length);
        }
        b.release();
        h.promise.trySuccess();
      }
    }
  }
}
