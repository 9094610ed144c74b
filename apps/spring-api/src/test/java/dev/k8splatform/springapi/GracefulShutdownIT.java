package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
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
 * SIGTERM while under load loses no request: each one either gets a complete response or is
 * refused before the application accepted it (connection refused, or closed before a single
 * byte of response). The load is bounded in count and time and targets 127.0.0.1 only.
 */
class GracefulShutdownIT {
  static final int CLIENTS = 8;
  static final int MAX_REQUESTS = 20_000;
  static final Duration MAX_DURATION = Duration.ofSeconds(40);
  static final Pattern LENGTH = Pattern.compile("(?i)content-length: (\\d+)");

  enum Outcome { COMPLETE, REFUSED, LOST }

  /** One GET on a fresh connection, classified by what came back. */
  static Outcome request(int port, ConcurrentHashMap<String, Integer> statuses) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /api/articles?size=50 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
      try {
        for (int n; (n = in.read(buffer)) > 0; ) received.write(buffer, 0, n);
      } catch (IOException reset) {
        // Reset before any response byte: the application never took the request.
        return received.size() == 0 ? Outcome.REFUSED : Outcome.LOST;
      }
      byte[] response = received.toByteArray();
      if (response.length == 0) return Outcome.REFUSED;
      String text = new String(response, StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      if (split < 0) return Outcome.LOST;
      String head = text.substring(0, split);
      String body = text.substring(split + 4);
      Matcher m = LENGTH.matcher(head);
      boolean whole = m.find()
          ? body.length() == Integer.parseInt(m.group(1))
          : head.toLowerCase().contains("transfer-encoding: chunked") && chunkedComplete(body);
      if (!whole) return Outcome.LOST;
      statuses.merge(text.substring(9, 12), 1, Integer::sum);
      return Outcome.COMPLETE;
    } catch (ConnectException refused) {
      return Outcome.REFUSED;
    } catch (IOException other) {
      return Outcome.LOST;
    }
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
      Thread.sleep(2000);
      int beforeSignal = counts.getOrDefault(Outcome.COMPLETE, new AtomicInteger()).get();
      app.process.destroy(); // SIGTERM
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      assertThat(app.process.waitFor(30, TimeUnit.SECONDS)).as("exited within the shutdown timeout").isTrue();

      int complete = counts.getOrDefault(Outcome.COMPLETE, new AtomicInteger()).get();
      int refused = counts.getOrDefault(Outcome.REFUSED, new AtomicInteger()).get();
      int lost = counts.getOrDefault(Outcome.LOST, new AtomicInteger()).get();
      System.out.printf("graceful shutdown: %d complete (%d before SIGTERM), %d refused, %d lost, statuses %s%n",
          complete, beforeSignal, refused, lost, statuses);
      assertThat(lost).as("requests cut off mid-way").isZero();
      assertThat(beforeSignal).as("load before SIGTERM").isGreaterThan(100);
      assertThat(refused).as("the server did go away").isPositive();
      assertThat(statuses.keySet()).containsOnly("200");
      assertThat(app.logText()).contains("Graceful shutdown complete");
    }
  }
}
