package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The leak check can fail: a deliberately leaked resource is recorded. */
@ExtendWith(NettyLeakCheck.class)
class NettyLeakCheckTest {
  static final class DeliberatelyLeaked {}

  @Test
  void aLeakedResourceIsRecorded() throws InterruptedException {
    ResourceLeakDetector<DeliberatelyLeaked> detector =
        ResourceLeakDetectorFactory.instance().newResourceLeakDetector(DeliberatelyLeaked.class);
    leakOne(detector);
    boolean seen = false;
    for (int i = 0; i < 50 && !seen; i++) {
      System.gc();
      Thread.sleep(20);
      // Tracking a new object makes the detector look for collected, unclosed ones.
      DeliberatelyLeaked probe = new DeliberatelyLeaked();
      ResourceLeakTracker<DeliberatelyLeaked> t = detector.track(probe);
      t.close(probe);
      seen = NettyLeakCheck.leaks().stream().anyMatch(l -> l.contains("DeliberatelyLeaked"));
    }
    NettyLeakCheck.forget("DeliberatelyLeaked");
    assertTrue(seen, "the recording detector must notice an unclosed tracker");
  }

  private static void leakOne(ResourceLeakDetector<DeliberatelyLeaked> detector) {
    detector.track(new DeliberatelyLeaked()); // never closed
  }
}
