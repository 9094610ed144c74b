package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while under load loses no request: each one either gets a complete response from the
 * application or is refused before the application accepted it. Refused means: connection
 * refused, reset or timed out before the request could be sent (the application cannot have
 * seen it), closed before a single byte of response, or (rarely, about 1 run in 10, seen here)
 * Tomcat's own HTML "400 Bad Request" page for a request it read while its connector was
 * closing. That last one never reaches the application; the test requires it to happen only
 * after SIGTERM. In Kubernetes the preStop pause withdraws the pod from its endpoints before
 * SIGTERM, so new connections do not arrive during that window at all.
 * The load is bounded in count and time and targets 127.0.0.1 only.
 */
class GracefulShutdownIT {
  static final int CLIENTS = 8;
  static final int MAX_REQUESTS = 20_000;
  static final Duration MAX_DURATION = Duration.ofSeconds(40);
  static final Pattern LENGTH = Pattern.compile("(?i)content-length: (\\d+)");

  enum Outcome { COMPLETE, REFUSED, CONTAINER_REJECTED, LOST }

  /** When SIGTERM was sent (System.nanoTime), so outcomes can be placed before or after it. */
  static volatile long signalledAt = Long.MAX_VALUE;

  /** Container rejections that completed before SIGTERM: must stay zero. */
  static final AtomicInteger REJECTED_BEFORE_SIGNAL = new AtomicInteger();

  /** The first response seen of each unexpected status, printed to explain a failure. */
  static final ConcurrentHashMap<String, String> SAMPLES = new ConcurrentHashMap<>();

  /** One GET on a fresh connection, classified by what came back. */
  static Outcome request(int port, ConcurrentHashMap<String, Integer> statuses) {
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/articles?size=50 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException notSent) {
        return Outcome.REFUSED;
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
      try {
        for (int n; (n = in.read(buffer)) > 0; ) received.write(buffer, 0, n);
      } catch (IOException reset) {
        // Reset before any response byte: the application never took the request.
        if (received.size() == 0) return Outcome.REFUSED;
        return lost(reset + " after " + received.size() + " bytes");
      }
      byte[] response = received.toByteArray();
      if (response.length == 0) return Outcome.REFUSED;
      String text = new String(response, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      if (split < 0) return lost("no end of headers in " + response.length + " bytes");
      String head = text.substring(0, split);
      String body = text.substring(split + 4);
      Matcher m = LENGTH.matcher(head);
      boolean whole = m.find()
          ? body.length() == Integer.parseInt(m.group(1))
          : head.toLowerCase().contains("transfer-encoding: chunked") && chunkedComplete(body);
      if (!whole) return lost("body cut short: " + head.replace("\r\n", " | "));
      String status = text.substring(9, 12);
      if (status.equals("400") && head.contains("text/html") && body.contains("HTTP Status 400")) {
        if (System.nanoTime() < signalledAt) REJECTED_BEFORE_SIGNAL.incrementAndGet();
        return Outcome.CONTAINER_REJECTED;
      }
      statuses.merge(status, 1, Integer::sum);
      if (!status.equals("200")) SAMPLES.putIfAbsent(status, text.substring(0, Math.min(text.length(), 600)));
      return Outcome.COMPLETE;
    } catch (IOException other) {
      return lost(other.toString());
    }
  }

  /** A lost request, with how it was lost kept (once per kind) to explain a failure. */
  static Outcome lost(String how) {
    SAMPLES.putIfAbsent("lost: " + how.replaceAll("\\d+ bytes", "N bytes"), how);
    return Outcome.LOST;
  }

  /** Whether a chunked body is whole: every chunk as long as announced, then the last chunk. */
  static boolean chunkedComplete(String body) {
    int at = 0;
    while (true) {
      int eol = body.indexOf("\r\n", at);
      if (eol < 0) return false;
      int size;
      try {
        size = Integer.parseInt(body.substring(at, eol).split(";")[0].trim(), 16);
      } catch (NumberFormatException e) {
        return false;
      }
      at = eol + 2;
      if (size == 0) return body.startsWith("\r\n", at);
      if (body.length() < at + size + 2 || !body.startsWith("\r\n", at + size)) return false;
      at += size + 2;
    }
  }

  @Test
  void recognisesWholeAndCutChunkedBodies() {
    assertThat(chunkedComplete("5\r\nhello\r\n0\r\n\r\n")).isTrue();
    assertThat(chunkedComplete("5\r\nhello\r\n")).isFalse();
    assertThat(chunkedComplete("5\r\nhel")).isFalse();
  }

  @Test
  void losesNoRequestWhenTerminatedUnderLoad() throws Exception {
    try (JarProcess app = new JarProcess(List.of("-Xmx256m"), List.of("--app.api-key=k"))) {
      Http http = new Http(app.port);
      for (int i = 0; i < 20; i++) {
        http.send("POST", "/api/articles", "{\"title\":\"a" + i + "\",\"body\":\"" + "x".repeat(500) + "\",\"author\":\"a\"}", "k");
      }
      var counts = new ConcurrentHashMap<Outcome, AtomicInteger>();
      var statuses = new ConcurrentHashMap<String, Integer>();
      AtomicInteger issued = new AtomicInteger();
      Instant deadline = Instant.now().plus(MAX_DURATION);
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      for (int c = 0; c < CLIENTS; c++) {
        pool.submit(() -> {
          int refusedInARow = 0;
          // Stops when the server has been gone for 20 attempts, or at the bounds.
          while (refusedInARow < 20 && issued.incrementAndGet() <= MAX_REQUESTS && Instant.now().isBefore(deadline)) {
            Outcome o = request(app.port, statuses);
            counts.computeIfAbsent(o, k -> new AtomicInteger()).incrementAndGet();
            refusedInARow = o == Outcome.REFUSED ? refusedInARow + 1 : 0;
          }
        });
      }
      // Signal once real load is flowing: a fixed pause got only 48 answers on a busy 2-core CI
      // machine, and the assertion below then failed for a reason unrelated to shutdown.
      Instant warm = Instant.now().plusSeconds(30);
      while (counts.getOrDefault(Outcome.COMPLETE, new AtomicInteger()).get() <= 100 && Instant.now().isBefore(warm)) {
        Thread.sleep(50);
      }
      int beforeSignal = counts.getOrDefault(Outcome.COMPLETE, new AtomicInteger()).get();
      signalledAt = System.nanoTime();
      app.process.destroy(); // SIGTERM
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(app.process.waitFor(30, TimeUnit.SECONDS)).as("exited within the shutdown timeout").isTrue();

      int complete = counts.getOrDefault(Outcome.COMPLETE, new AtomicInteger()).get();
      int refused = counts.getOrDefault(Outcome.REFUSED, new AtomicInteger()).get();
      int lost = counts.getOrDefault(Outcome.LOST, new AtomicInteger()).get();
      int rejected = counts.getOrDefault(Outcome.CONTAINER_REJECTED, new AtomicInteger()).get();
      System.out.printf(
          "graceful shutdown: %d complete (%d before SIGTERM), %d refused, %d rejected by Tomcat while closing, %d lost, statuses %s%n",
          complete, beforeSignal, refused, rejected, lost, statuses);
      SAMPLES.forEach((status, sample) -> System.out.println("unexpected " + status + ":\n" + sample));
      assertThat(lost).as("requests cut off mid-way").isZero();
      assertThat(REJECTED_BEFORE_SIGNAL.get()).as("container rejections before SIGTERM").isZero();
      assertThat(beforeSignal).as("load before SIGTERM").isGreaterThan(100);
      assertThat(refused).as("the server did go away").isPositive();
      assertThat(statuses.keySet()).containsOnly("200");
      assertThat(app.logText()).contains("Graceful shutdown complete");
    }
  }
}
