package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iperf3 over the same link, when it is installed: TCP (the link's stream limit) and UDP with one
 * {@code sendto} per datagram. Rates are the receiver's; CPU is iperf3's own per-process figure.
 */
final class Iperf3 {
  private static final double GIB = 1L << 30;

  private Iperf3() {}

  static boolean installed() {
    try {
      return new ProcessBuilder("iperf3", "--version").start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * One transfer of {@code bytes}.
   *
   * @param udpDatagram 0 for TCP, else the UDP payload size (unlimited rate)
   */
  static Row run(String name, long bytes, int udpDatagram, Path logDir, long timeoutSeconds)
      throws Exception {
    try (LabProcess server =
        VethLink.exec(
            name + "-server",
            VethLink.RECEIVER_NS,
            List.of("iperf3", "-s", "-1", "-B", VethLink.RECEIVER_IP, "-p", "5201", "--forceflush"),
            logDir)) {
      server.await("Server listening", Duration.ofSeconds(20));
      List<String> client =
          new ArrayList<>(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  VethLink.SENDER_NS,
                  "iperf3",
                  "-c",
                  VethLink.RECEIVER_IP,
                  "-p",
                  "5201",
                  "-n",
                  Long.toString(bytes),
                  "-J"));
      if (udpDatagram > 0) {
        client.addAll(List.of("-u", "-b", "0", "-l", Integer.toString(udpDatagram)));
      }
      Process p = new ProcessBuilder(client).redirectErrorStream(true).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Row.failed(name, "no result within " + timeoutSeconds + " s");
      }
      String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return parse(name, json, udpDatagram);
    }
  }

  static Row parse(String name, String json, int udpDatagram) {
    int end = json.indexOf("\"end\"");
    if (end < 0) {
      return Row.failed(
          name, "iperf3 gave no result: " + json.strip().lines().findFirst().orElse(""));
    }
    String tail = json.substring(end);
    String received = block(tail, "sum_received");
    String cpu = block(tail, "cpu_utilization_percent");
    double seconds = number(received, "seconds");
    double bytes = number(received, "bytes");
    double gib = bytes / GIB;
    double senderCpu = number(cpu, "host_total") / 100 * seconds / gib;
    double receiverCpu = number(cpu, "remote_total") / 100 * seconds / gib;
    String note = "CPU: iperf3's own per-process figure";
    if (udpDatagram > 0) {
      double sentRate = number(block(tail, "sum_sent"), "bits_per_second") / 8e6;
      note =
          String.format(
              java.util.Locale.ROOT,
              "%d B datagrams; sent %.0f MB/s, lost %.1f%%; %s",
              udpDatagram,
              sentRate,
              number(received, "lost_percent"),
              note);
    }
    return new Row(
        name,
        number(received, "bits_per_second") / 8e6,
        senderCpu,
        receiverCpu,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        note);
  }

  private static String block(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\{([^}]*)\\}").matcher(json);
    return m.find() ? m.group(1) : "";
  }

  private static double number(String block, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([-0-9.eE+]+)").matcher(block);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }
}
