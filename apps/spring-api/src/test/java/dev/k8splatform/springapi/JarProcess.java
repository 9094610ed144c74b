package dev.k8splatform.springapi;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The packaged jar (target/spring-api.jar) started as its own process on loopback ports. */
final class JarProcess implements AutoCloseable {
  final int port;
  final int managementPort;
  final Path log;
  final Process process;
  final Duration startToReady;

  JarProcess(List<String> jvmArgs, List<String> appArgs) throws IOException, InterruptedException {
    this(jvmArgs, appArgs, java.util.Map.of());
  }

  JarProcess(List<String> jvmArgs, List<String> appArgs, java.util.Map<String, String> env)
      throws IOException, InterruptedException {
    Path jar = Path.of("target", "spring-api.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run `mvn package` first (verify does it)");
    }
    port = freePort();
    managementPort = freePort();
    log = Files.createTempFile("spring-api", ".log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port, "--server.address=127.0.0.1",
        "--management.server.port=" + managementPort, "--management.server.address=127.0.0.1"));
    command.addAll(appArgs);
    Instant started = Instant.now();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    process = builder.start();
    Http management = new Http(managementPort);
    Instant deadline = started.plus(Duration.ofSeconds(120));
    while (true) {
      if (!process.isAlive()) throw new IllegalStateException("the jar exited: " + Files.readString(log));
      if (Instant.now().isAfter(deadline)) throw new IllegalStateException("not ready within 120 s");
      try {
        if (management.get("/actuator/health/readiness").status() == 200) break;
      } catch (IllegalStateException notYet) {
        // connection refused while starting
      }
      Thread.sleep(50);
    }
    startToReady = Duration.between(started, Instant.now());
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String logText() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    Files.deleteIfExists(log);
  }
}
