package dev.p2p.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A live progress bar on stderr, drawn by the progressbar library on its own timer. */
final class TerminalProgress implements Progress {
  private final ProgressBar bar;

  TerminalProgress(String task, long total) {
    bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(Math.max(total, 1))
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit("MB", 1_000_000)
            .showSpeed()
            .setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .build();
  }

  @Override
  public void update(long bytes) {
    bar.stepTo(bytes);
  }

  @Override
  public void finish(long bytes) {
    bar.stepTo(Math.max(bytes, 1));
  }

  @Override
  public void close() {
    bar.close();
  }
}
